-- Records a cache hit for p_principal: a settled zero-cost row saving p_saved, under the key
-- 'cache-hit:' || p_idempotency_key, so one logical request records one saving however often it is retried.
-- Returns {ok:true, replayed, spend}, or {ok:false, reason}:
--   * unknown_principal
--   * idempotency_key_used: p_idempotency_key already belongs to a payment of this principal. The call is a retry
--     of that payment, which costs nothing anyway (the payment is replayed), so it saves nothing.
-- The request hash is stored prefixed too: reserve_spend never mistakes a hit row for a payment of the same key.
create or replace function record_cache_hit(
  p_principal text, p_idempotency_key text, p_request_hash text, p_method text, p_url text, p_host text,
  p_quote jsonb, p_saved bigint, p_cached_from bigint default null, p_now timestamptz default now()
) returns jsonb
language plpgsql set search_path from current as $$
declare
  v_now timestamptz := coalesce(p_now, now());
  v_key text := 'cache-hit:' || p_idempotency_key;
  e spend_events;
begin
  if p_saved is null or p_saved < 0 or coalesce(p_idempotency_key, '') = '' or p_request_hash is null
     or p_quote is null then
    raise exception 'record_cache_hit: saved must be >= 0; key, request hash and quote are required'
      using errcode = '22023';
  end if;
  -- a share lock keeps the ledger's lock order (principal first) without queueing hits behind each other
  perform 1 from principals where id = p_principal for share;
  if not found then
    return jsonb_build_object('ok', false, 'reason', 'unknown_principal');
  end if;
  if exists (select 1 from spend_events where principal = p_principal and idempotency_key = p_idempotency_key) then
    return jsonb_build_object('ok', false, 'reason', 'idempotency_key_used');
  end if;

  insert into spend_events (principal, idempotency_key, request_hash, method, url, host, amount, status, quote,
                            cached, saved, cached_from, day_window, month_window, created_at, updated_at, expires_at)
  values (p_principal, v_key, 'cache-hit:' || p_request_hash, p_method, p_url, p_host, 0, 'settled', p_quote,
          true, p_saved, p_cached_from, (v_now at time zone 'UTC')::date,
          date_trunc('month', v_now at time zone 'UTC')::date, v_now, v_now, v_now)
  on conflict (principal, idempotency_key) do nothing
  returning * into e;
  if e.id is not null then
    return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
  end if;
  select * into e from spend_events where principal = p_principal and idempotency_key = v_key;
  return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
end $$;
