-- A clean stop: the instance gives its lease up, so rows it left signed are decided at once. Also forgets leases
-- that lapsed a day ago (instances killed long since): a row naming a forgotten instance counts as lapsed too.
-- Returns {released: true|false}.
create or replace function instance_release(p_id text) returns jsonb
language plpgsql set search_path from current as $$
declare
  n integer;
begin
  delete from instances where id = p_id;
  get diagnostics n = row_count;
  delete from instances where lease_until < now() - interval '1 day';
  return jsonb_build_object('released', n > 0);
end $$;
