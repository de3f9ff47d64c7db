-- Locks the owning principal, then the row (the global lock order). Returns null when there is no such row.
create or replace function ledger_lock_spend(p_id bigint) returns spend_events
language plpgsql set search_path from current as $$
declare
  v_principal text;
  e spend_events;
begin
  select principal into v_principal from spend_events where id = p_id;
  if not found then
    return null;
  end if;
  perform 1 from principals where id = v_principal for update;
  select * into e from spend_events where id = p_id for update;
  return e;
end $$;
