import type { Scope } from "../ledger/accessStore.js";
import { apiKeySalt, hashApiKey, newApiKey } from "../server/apiKeys.js";
import type { Command } from "./command.js";
import { print } from "./output.js";
import { parseFlags, withLedger } from "./withLedger.js";

const USAGE = `Usage:
  pag0 keys create --principal <name> [--scopes fetch,read] [--label <text>]   print a new API key (shown once)
  pag0 keys list                                                              every key, without secrets
  pag0 keys revoke <keyId>                                                    the key stops working at once

Scopes: fetch (call paid_fetch, read own spend), read (get_budget, list_spend only), operator (all principals,
/metrics, approvals). A new principal gets the default budget (see pag0 policy set).`;

const SCOPES: readonly Scope[] = ["fetch", "read", "operator"];

export const keys: Command = {
  usage: USAGE,
  summary: "create, list and revoke API keys of remote agents (principals)",
  async run(args) {
    const [sub, ...rest] = args;
    const { flags, positionals } = parseFlags(rest);
    if (sub === "create") {
      const principal = flags.principal;
      const scopes = (flags.scopes ?? "fetch,read").split(",").map((s) => s.trim()) as Scope[];
      if (!principal || !/^[\w.@-]{1,64}$/.test(principal) || scopes.some((s) => !SCOPES.includes(s))) {
        process.stderr.write(
          `pag0 keys create: --principal (letters, digits, . _ @ -) and valid --scopes are required\n\n${USAGE}\n`,
        );
        return 2;
      }
      return withLedger(async ({ ledger, config }) => {
        const known = (await ledger.listPrincipals()).some((p) => p.principal === principal);
        if (!known) await ledger.upsertPrincipal(principal, config.policy.limits);
        const { id, key } = newApiKey();
        await ledger.createApiKey({
          id,
          principal,
          keyHash: hashApiKey(key, apiKeySalt(config.apiKeySalt, config.dataDir)),
          scopes,
          label: flags.label,
        });
        print(`${key}\n`);
        process.stderr.write(
          `Created key ${id} for ${principal} (${scopes.join(", ")}). It is shown only this once.\n`,
        );
        return 0;
      });
    }
    if (sub === "list") {
      return withLedger(async ({ ledger }) => {
        const keys = await ledger.listApiKeys();
        if (keys.length === 0)
          process.stderr.write("No API keys yet: create one with `pag0 keys create --principal <name>`.\n");
        for (const k of keys) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
          print(`${k.id}  ${k.principal.padEnd(20)} ${k.scopes.join(",").padEnd(20)} ${state}  ${k.label ?? ""}\n`);
        }
        return 0;
      });
    }
    if (sub === "revoke" && positionals[0]) {
      const id = positionals[0];
      return withLedger(async ({ ledger }) => {
        const ok = await ledger.revokeApiKey(id);
        process.stderr.write(ok ? `Revoked ${id}.\n` : `No key ${id}.\n`);
        return ok ? 0 : 1;
      });
    }
    process.stderr.write(`${USAGE}\n`);
    return sub ? 2 : 0;
  },
};
