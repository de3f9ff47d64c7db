import { createInterface } from "node:readline/promises";
import type { Command } from "./command.js";
import { print } from "./output.js";
import { withLedger } from "./withLedger.js";

const USAGE = `Usage:
  pag0 approvals list                 pending payment approvals
  pag0 approvals approve <id>         approve one (asks you to confirm at the terminal)
  pag0 approvals deny <id>

A payment above PAG0_APPROVAL_THRESHOLD waits for a human. Approving needs an interactive terminal, so an agent
running shell commands cannot approve its own payment; remote operators use POST /approvals/<id>/approve. The spend dashboard (pag0 dashboard, or /dashboard on pag0 http)
has Approve and Deny buttons.`;

export const approvals: Command = {
  usage: USAGE,
  summary: "list, approve or deny payments waiting for a human (above PAG0_APPROVAL_THRESHOLD)",
  async run([sub, id]) {
    if (sub === "list") {
      return withLedger(async ({ ledger }) => {
        const pending = await ledger.listApprovals("pending");
        if (pending.length === 0) process.stderr.write("No approvals are waiting.\n");
        for (const a of pending) {
          const d = a.details as Record<string, string>;
          print(
            `${a.id}  ${a.principal}  ${d.amount} USDC to ${d.payTo} on ${d.network}  ${d.method ?? ""} ${d.url}  expires ${a.expiresAt.toISOString()}\n`,
          );
        }
        return 0;
      });
    }
    if ((sub === "approve" || sub === "deny") && id) {
      const approve = sub === "approve";
      return withLedger(async ({ ledger }) => {
        const request = (await ledger.listApprovals("pending")).find((a) => a.id === id);
        if (!request) {
          process.stderr.write(`No pending approval ${id}.\n`);
          return 1;
        }
        if (approve && !(await confirmAtTerminal(request.details as Record<string, string>))) {
          process.stderr.write("Not approved.\n");
          return 1;
        }
        const r = await ledger.decideApproval(id, approve);
        process.stderr.write(r.ok ? `${approve ? "Approved" : "Denied"} ${id}.\n` : `${id} is ${r.status}.\n`);
        return r.ok ? 0 : 1;
      });
    }
    process.stderr.write(`${USAGE}\n`);
    return sub ? 2 : 0;
  },
};

/** The human types the amount back: impossible from a pipe, so not something an agent's shell tool can do. */
async function confirmAtTerminal(d: Record<string, string>): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    process.stderr.write(
      "Approving needs an interactive terminal (or an operator key: POST /approvals/<id>/approve).\n",
    );
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const typed = await rl.question(
      `Pay ${d.amount} USDC to ${d.payTo} on ${d.network} for ${d.url}?\nType the amount (${d.amount}) to approve: `,
    );
    return typed.trim() === d.amount;
  } finally {
    rl.close();
  }
}
