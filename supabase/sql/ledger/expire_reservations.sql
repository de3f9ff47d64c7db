-- Expires every unsigned reservation past its TTL (the lazy path in reserve_spend covers one principal).
-- Principals are locked one at a time in id order, so concurrent sweeps cannot deadlock. Returns {expired: n}.
create or replace function expire_reservations(p_now timestamptz default now()) returns jsonb
language plpgsql set search_path from current as $$
declare
  v_now timestamptz := coalesce(p_now, now());
  r record;
  n integer := 0;
begin
  for r in select distinct principal from spend_events
            where status = 'reserved' and expires_at <= v_now
            order by principal loop
    perform 1 from principals where id = r.principal for update;
    n := n + ledger_expire_principal(r.principal, v_now);
  end loop;
  return jsonb_build_object('expired', n);
end $$;
