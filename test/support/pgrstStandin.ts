import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";

/**
 * A PostgREST stand-in for tests: just `POST|GET /rest/v1/rpc/:fn`, which is all supabase-js `.rpc()` sends, in
 * front of a real Postgres. Like PostgREST it verifies the HS256 JWT in `Authorization` (falling back to `apikey`),
 * runs the call as the JWT's `role` in its own transaction (`set local role`; read-only for GET), calls the
 * function by named arguments, and answers with PostgREST's status codes and error body. So the anon key meets
 * the migrations' real grants: `permission denied`, 401.
 */
export interface PgrstStandin {
  /** the project URL to give supabase-js */
  url: string;
  /** a key (HS256 JWT) for `role`, e.g. "service_role" or "anon" */
  key(role: string): string;
  close(): Promise<void>;
}

const SQLSTATE_STATUS: Record<string, number> = { "42883": 404, "42501": 401, "23505": 409, "40001": 409, P0001: 400 };
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export async function startPgrstStandin(databaseUrl: string, jwtSecret = "a-test-jwt-secret-of-32-chars!!!") {
  const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
  const setof = new Map<string, boolean>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-range": "0-0/*" });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string) =>
      send(status, { code, details: null, hint: null, message });
    const url = new URL(req.url ?? "/", "http://standin");
    const fn = url.pathname.match(/^\/rest\/v1\/rpc\/([^/]+)$/)?.[1];
    if (!fn || !IDENTIFIER.test(fn)) return error(404, "PGRST125", "Invalid path specified in request URL");
    const bearer = req.headers.authorization?.replace(/^Bearer /i, "") ?? String(req.headers.apikey ?? "");
    const role = verifyJwt(bearer, jwtSecret)?.role;
    if (typeof role !== "string" || !IDENTIFIER.test(role)) return error(401, "PGRST301", "JWT invalid");
    const profile = req.headers["content-profile"] ?? req.headers["accept-profile"] ?? "public";
    if (profile !== "public") return error(406, "PGRST106", "The schema must be one of the following: public");

    let args: Record<string, unknown>;
    if (req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      args = body ? JSON.parse(body) : {};
    } else if (req.method === "GET") args = Object.fromEntries(url.searchParams);
    else return error(405, "PGRST117", `Unsupported HTTP method: ${req.method}`);
    const names = Object.keys(args);
    if (!names.every((n) => IDENTIFIER.test(n))) return error(400, "PGRST100", "invalid argument name");

    if (!setof.has(fn)) {
      const found = await sql`select bool_or(p.proretset) as setof from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' and p.proname = ${fn}`;
      if (found[0]?.setof == null) {
        return error(
          404,
          "PGRST202",
          `Could not find the function public.${fn}(${names.join(", ")}) in the schema cache`,
        );
      }
      setof.set(fn, found[0].setof);
    }
    const call = `"public"."${fn}"(${names.map((n, i) => `"${n}" => $${i + 1}`).join(", ")})`;
    const params = names.map((n) => args[n]) as postgres.ParameterOrJSON<never>[];
    const rows = await sql.begin(async (tx) => {
      await tx.unsafe(`set local role "${role}"`);
      if (req.method === "GET") await tx.unsafe("set transaction read only");
      return setof.get(fn) ? tx.unsafe(`select * from ${call}`, params) : tx.unsafe(`select ${call} as result`, params);
    });
    return send(200, setof.get(fn) ? rows : (rows[0]?.result ?? null));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: { code?: string; message?: string; detail?: string; hint?: string }) => {
      const code = e.code ?? "XX000";
      const status = SQLSTATE_STATUS[code] ?? (/^2[23]/.test(code) ? 400 : 500);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ code, details: e.detail ?? null, hint: e.hint ?? null, message: e.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key: (role: string) => signJwt({ role, iss: "standin" }, jwtSecret),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sql.end({ timeout: 5 });
    },
  } satisfies PgrstStandin;
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString("base64url");

function signJwt(claims: Record<string, unknown>, secret: string): string {
  const unsigned = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
  return `${unsigned}.${b64url(createHmac("sha256", secret).update(unsigned).digest())}`;
}

function verifyJwt(token: string, secret: string): Record<string, unknown> | null {
  const [header, claims, signature] = token.split(".");
  if (!header || !claims || !signature) return null;
  const expected = createHmac("sha256", secret).update(`${header}.${claims}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    return JSON.parse(Buffer.from(claims, "base64url").toString());
  } catch {
    return null;
  }
}
