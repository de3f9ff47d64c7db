import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files that take tens of seconds (they build the package, spawn many processes or start several instances), run
 * first: started last, one of them would leave a worker alone at the end of the run. The rest keep vitest's order.
 */
const LONG = [
  "packaging/npmPack",
  "cli",
  "packaging/bundle",
  "conformance",
  "commands/doctor",
  "ledger/ledgerSnapshot",
  "scripts/sqlMigration",
  "audit/paidCallsAudit",
  "server/stdioSharedLedger",
];

const rank = (file: string) => {
  const i = LONG.findIndex((name) => file.endsWith(`/test/${name}.test.ts`));
  return i === -1 ? LONG.length : i;
};

export default class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted].sort((a, b) => rank(a.moduleId) - rank(b.moduleId));
  }
}
