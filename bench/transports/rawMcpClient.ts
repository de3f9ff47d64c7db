import { Pool } from "undici";

/** What a `tools/call` answered: the JSON-RPC result, or the error as a value. */
export type ToolAnswer =
  | { ok: true; result: { isError?: boolean; content?: unknown[]; structuredContent?: any } }
  | { ok: false; error: string };

/**
 * Raw JSON-RPC `tools/call` POSTs to a stateless streamable HTTP MCP endpoint, the same bytes for every server:
 * no initialize (stateless servers take tools/call directly), an undici pool of `connections` keep-alive sockets,
 * and either answer form the transport may choose (application/json or one SSE event).
 */
export function rawMcpClient(mcpUrl: string, o: { connections: number; bearer?: string }) {
  const url = new URL(mcpUrl);
  const pool = new Pool(url.origin, { connections: o.connections, pipelining: 1 });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...(o.bearer ? { authorization: `Bearer ${o.bearer}` } : {}),
  };
  let ids = 0;
  return {
    async call(name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
      const id = ++ids;
      const body = JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });
      const res = await pool.request({ path: url.pathname, method: "POST", headers, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) return { ok: false, error: `HTTP ${res.statusCode}: ${text.slice(0, 300)}` };
      const type = String(res.headers["content-type"] ?? "");
      const message = type.includes("text/event-stream") ? sseMessage(text, id) : JSON.parse(text);
      if (!message || message.id !== id)
        return { ok: false, error: `no answer to request ${id}: ${text.slice(0, 300)}` };
      if (message.error) return { ok: false, error: JSON.stringify(message.error) };
      return { ok: true, result: message.result };
    },
    close: () => pool.close(),
  };
}

/** The JSON-RPC message answering `id` among the events of an SSE body. */
function sseMessage(text: string, id: number): any {
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trimStart())
      .join("\n");
    if (!data) continue;
    const message = JSON.parse(data);
    if (message.id === id) return message;
  }
  return null;
}
