import { randomBytes } from "node:crypto";
import postgres from "postgres";

/** The machine's Postgres 15 (trust auth); `.ci/run` starts it when it is down. */
export const TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export interface ThrowawayDb {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database `pag0_<random>` on the test Postgres, dropped by `drop()` (even with connections left).
 * `supabaseRoles` makes it look like a Supabase project to the migrations: the API roles exist (cluster-wide, so
 * they are created once and left in place) and this database's default privileges open every new table and
 * function to them, as Supabase's do, so the migrations' revokes are what keeps them out.
 */
export async function createThrowawayDb(options: { supabaseRoles?: boolean } = {}): Promise<ThrowawayDb> {
  const name = `pag0_${randomBytes(6).toString("hex")}`;
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
    if (options.supabaseRoles) {
      for (const role of [
        "anon nologin noinherit",
        "authenticated nologin noinherit",
        "service_role nologin bypassrls",
      ]) {
        // several test files may race to create them: the loser's error is either of these
        await admin.unsafe(
          `do $$ begin create role ${role}; exception when duplicate_object or unique_violation then null; end $$`,
        );
      }
    }
  } finally {
    await admin.end();
  }
  const url = TEST_POSTGRES_URL.replace(/\/postgres$/, `/${name}`);
  if (options.supabaseRoles) {
    const db = postgres(url, { max: 1, onnotice: () => {} });
    await db.unsafe(`
      grant usage on schema public to anon, authenticated, service_role;
      alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
      alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
      alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
    `);
    await db.end();
  }
  return {
    name,
    url,
    async drop() {
      const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${name}" with (force)`).finally(() => admin.end());
    },
  };
}
