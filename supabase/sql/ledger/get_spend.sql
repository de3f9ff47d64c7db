-- The row, or null.
create or replace function get_spend(p_id bigint) returns jsonb
language sql stable set search_path from current as $$
  select ledger_spend_json(e) from spend_events e where e.id = p_id
$$;
