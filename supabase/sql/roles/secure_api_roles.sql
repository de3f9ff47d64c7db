-- Supabase only: Pag0's functions are for the service role, never for the anon/authenticated API roles, and its
-- tables are closed to them (no grants, RLS on, no policies). Every migration ends with one call of this, naming
-- every function (this one included) and table of supabase/sql (scripts/sqlMigration.ts writes the call), so a
-- new function is never left open by Supabase's default privileges. `_migrations`, where `pag0 migrate` records
-- what it applied, is closed too when it exists (`supabase db push` keeps its own history elsewhere).
-- Does nothing where these roles do not exist (PGlite, plain Postgres), so every migration runs unchanged there.
-- A procedure, not a function: PostgREST exposes functions only, so no API role can ever reach it.
create or replace procedure secure_api_roles(p_functions text[], p_tables text[])
language plpgsql set search_path from current as $$
declare
  f regprocedure;
  t text;
begin
  if (select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role')) <> 3 then
    return;
  end if;
  for f in
    select p.oid::regprocedure
      from pg_proc p
     where p.pronamespace = (select oid from pg_namespace where nspname = current_schema())
       and p.proname = any (p_functions)
  loop
    execute format('revoke execute on routine %s from public, anon, authenticated', f);
    execute format('grant execute on routine %s to service_role', f);
  end loop;
  foreach t in array p_tables || '_migrations'::text loop
    if to_regclass(t) is not null then
      execute format('revoke all on table %I from anon, authenticated', t);
      execute format('alter table %I enable row level security', t);
    end if;
  end loop;
end $$;
