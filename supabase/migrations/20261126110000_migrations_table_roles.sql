-- Supabase only: `pag0 migrate` records what it applied in `_migrations`, a table in the API schema, which
-- Supabase's default privileges open to the `anon` and `authenticated` roles. Close it like the ledger's own
-- tables (no grants, RLS on, no policies). Guarded, so this file runs unchanged on PGlite and plain Postgres;
-- `supabase db push` keeps its own history elsewhere and creates no `_migrations`.
do $$
begin
  if (select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role')) = 3
     and to_regclass('_migrations') is not null then
    revoke all on table _migrations from anon, authenticated;
    alter table _migrations enable row level security;
  end if;
end $$;
