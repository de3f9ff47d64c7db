-- Atomically holds p_amount against the principal's month and day windows and the wallet-wide ones.
-- Returns {ok:true, replayed, spend} or {ok:false, reason[, limit, spent, reserved]}.
--
-- The steps, each one function, in lock order (principal -> spend row -> principal windows -> wallet row):
--   reserve_replay             what an existing row under this idempotency key answers
--   reserve_principal_windows  the principal's monthly and daily limits
--   reserve_wallet_windows     the wallet-wide limits, across every principal
--   reserve_write              the held row: new, or the dead row of a retried key reserved again
-- A new rule is one more step (or a change inside one), not a copy of this function.
create or replace function reserve_spend(
  p_principal text, p_amount bigint, p_idempotency_key text, p_request_hash text,
  p_method text, p_url text, p_host text, p_quote jsonb, p_ttl_seconds integer,
  p_now timestamptz default now()
) returns jsonb
language plpgsql set search_path from current as $$
declare
  v_now   timestamptz := coalesce(p_now, now());
  v_day   date := (v_now at time zone 'UTC')::date;
  v_month date := date_trunc('month', v_now at time zone 'UTC')::date;
  p principals;
  e spend_events;
  v_answer jsonb;
begin
  if p_amount is null or p_amount <= 0 or p_ttl_seconds is null or p_ttl_seconds <= 0
     or coalesce(p_idempotency_key, '') = '' or p_request_hash is null or p_quote is null then
    raise exception 'reserve_spend: amount and ttl must be positive; key, request hash and quote are required'
      using errcode = '22023';
  end if;

  select * into p from principals where id = p_principal for update;
  if not found then
    return jsonb_build_object('ok', false, 'reason', 'unknown_principal');
  end if;

  -- Before the key check, so that retrying an abandoned key re-reserves it instead of replaying a dead hold.
  perform ledger_expire_principal(p_principal, v_now);

  select * into e from spend_events
   where principal = p_principal and idempotency_key = p_idempotency_key for update;
  v_answer := reserve_replay(e, p_request_hash, v_now);
  if v_answer is not null then
    return v_answer;
  end if;

  if p_amount > p.per_request_limit then
    return jsonb_build_object('ok', false, 'reason', 'per_request_limit', 'limit', p.per_request_limit::text);
  end if;
  v_answer := reserve_principal_windows(p, p_amount, v_month, v_day);
  if v_answer is not null then
    return v_answer;
  end if;
  v_answer := reserve_wallet_windows(p_amount, v_month, v_day);
  if v_answer is not null then
    return v_answer;
  end if;

  perform ledger_adjust_windows(p_principal, v_month, v_day, p_amount, 0);
  e := reserve_write(e, p_principal, p_amount, p_idempotency_key, p_request_hash, p_method, p_url, p_host,
                     p_quote, p_ttl_seconds, v_now);
  return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
end $$;
