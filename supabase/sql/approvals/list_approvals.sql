create or replace function list_approvals(p_status text default null) returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', a.id, 'principal', a.principal, 'idempotency_key', a.idempotency_key, 'details', a.details,
           'status', a.status, 'created_at', ledger_ts(a.created_at), 'expires_at', ledger_ts(a.expires_at))
           order by a.created_at desc), '[]'::jsonb)
    from approvals a where p_status is null or a.status = p_status
$$;
