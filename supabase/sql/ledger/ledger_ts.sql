-- UTC ISO-8601 with microseconds: exact, and parseable by JS Date.
create or replace function ledger_ts(p_at timestamptz) returns text
language sql stable set search_path from current as $$
  select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
