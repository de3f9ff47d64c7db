import { openPglite } from "../../src/ledger/pgliteClient.js";
import { sqlLedger } from "../../src/ledger/sqlLedger.js";
import { describeLedger } from "./describeLedger.js";

describeLedger("pglite (in memory)", async () => sqlLedger(await openPglite()));
