-- The receipt of a ledger row's settlement or release, from the row itself.
create or replace function audit_enqueue_spend(e spend_events, p_kind text, p_body_hash text) returns bigint
language sql set search_path from current as $$
  select audit_enqueue(
    p_kind, e.id, e.principal,
    audit_request_json(e.method, e.url, p_body_hash, e.request_hash),
    audit_quote_json(e.quote, e.amount::text, e."authorization" ->> 'nonce'),
    audit_policy(e.principal, 'allow'),
    case when p_kind = 'settlement'
         then jsonb_build_object('txHash', e.tx_hash, 'payer', e."authorization" ->> 'payer') end,
    e.outcome_code)
$$;
