-- The reserved row for a reservation that passed every check: a new row, or e (the expired or released row of a
-- retried key, see reserve_replay) reserved again with a fresh amount, quote, windows and TTL. The caller has
-- already added p_amount to the windows (ledger_adjust_windows).
create or replace function reserve_write(
  e spend_events, p_principal text, p_amount bigint, p_idempotency_key text, p_request_hash text,
  p_method text, p_url text, p_host text, p_quote jsonb, p_ttl_seconds integer, p_now timestamptz
) returns spend_events
language plpgsql set search_path from current as $$
declare
  v_day   date := (p_now at time zone 'UTC')::date;
  v_month date := date_trunc('month', p_now at time zone 'UTC')::date;
begin
  if e.id is not null then
    update spend_events
       set amount = p_amount, method = p_method, url = p_url, host = p_host, quote = p_quote,
           status = 'reserved', "authorization" = null, tx_hash = null, outcome_code = null, response = null,
           day_window = v_day, month_window = v_month, updated_at = p_now,
           expires_at = p_now + make_interval(secs => p_ttl_seconds)
     where id = e.id
    returning * into e;
  else
    insert into spend_events (principal, idempotency_key, request_hash, method, url, host, amount, status, quote,
                              day_window, month_window, created_at, updated_at, expires_at)
    values (p_principal, p_idempotency_key, p_request_hash, p_method, p_url, p_host, p_amount, 'reserved', p_quote,
            v_day, v_month, p_now, p_now, p_now + make_interval(secs => p_ttl_seconds))
    returning * into e;
  end if;
  return e;
end $$;
