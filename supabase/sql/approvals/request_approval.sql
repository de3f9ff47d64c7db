-- Files (or finds) the approval request for this exact quote. A pending request expires after p_ttl_seconds.
create or replace function request_approval(
  p_id text, p_principal text, p_idempotency_key text, p_quote_hash text, p_details jsonb, p_ttl_seconds integer
) returns jsonb
language plpgsql set search_path from current as $$
declare
  a approvals;
begin
  insert into approvals (id, principal, idempotency_key, quote_hash, details, status, expires_at)
  values (p_id, p_principal, p_idempotency_key, p_quote_hash, p_details, 'pending',
          now() + make_interval(secs => p_ttl_seconds))
  on conflict (principal, idempotency_key, quote_hash) do nothing;
  select * into a from approvals
   where principal = p_principal and idempotency_key = p_idempotency_key and quote_hash = p_quote_hash for update;
  if a.status = 'pending' and a.expires_at <= now() then
    update approvals set id = p_id, status = 'pending', created_at = now(), decided_at = null,
                         expires_at = now() + make_interval(secs => p_ttl_seconds)
     where principal = p_principal and idempotency_key = p_idempotency_key and quote_hash = p_quote_hash
    returning * into a;
  end if;
  return jsonb_build_object('id', a.id, 'status', a.status, 'expires_at', ledger_ts(a.expires_at));
end $$;
