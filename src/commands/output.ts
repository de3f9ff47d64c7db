/**
 * What an operator command prints as its result (tables, JSON, CSV, keys), so it can be piped: `pag0 spend --json | jq`.
 * Operator commands are not the MCP server; only `pag0 stdio` speaks protocol on stdout, and it never calls this.
 * Logs and messages for the human still go to stderr.
 */
export function print(text: string): void {
  process.stdout.write(text);
}
