-- The row as every function returns it, now with the cache fields.
create or replace function ledger_spend_json(e spend_events) returns jsonb
language sql stable set search_path from current as $$
  select jsonb_build_object(
    'id', e.id::text,
    'principal', e.principal,
    'status', e.status,
    'idempotency_key', e.idempotency_key,
    'amount', e.amount::text,
    'request_hash', e.request_hash,
    'method', e.method,
    'url', e.url,
    'host', e.host,
    'quote', e.quote,
    'authorization', e."authorization",
    'tx_hash', e.tx_hash,
    'outcome_code', e.outcome_code,
    'response', e.response,
    'day_window', e.day_window,
    'month_window', e.month_window,
    'created_at', ledger_ts(e.created_at),
    'updated_at', ledger_ts(e.updated_at),
    'expires_at', ledger_ts(e.expires_at),
    'cached', e.cached,
    'saved', e.saved::text,
    'cached_from', e.cached_from::text)
$$;
