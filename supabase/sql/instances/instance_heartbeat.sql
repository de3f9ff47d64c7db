-- Takes or renews an instance's lease until now() + p_ttl_seconds (never shortening it). One cheap upsert, sent
-- every couple of seconds by each process (src/jobs/instanceLease.ts). Returns {lease_until}.
create or replace function instance_heartbeat(p_id text, p_ttl_seconds integer) returns jsonb
language plpgsql set search_path from current as $$
declare
  v_until timestamptz;
begin
  if coalesce(p_id, '') = '' or coalesce(p_ttl_seconds, 0) <= 0 then
    raise exception 'instance_heartbeat: needs an id and a positive ttl' using errcode = '22023';
  end if;
  insert into instances as i (id, lease_until) values (p_id, now() + make_interval(secs => p_ttl_seconds))
  on conflict (id) do update set lease_until = greatest(i.lease_until, excluded.lease_until)
  returning i.lease_until into v_until;
  return jsonb_build_object('lease_until', ledger_ts(v_until));
end $$;
