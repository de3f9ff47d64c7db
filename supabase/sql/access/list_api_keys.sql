create or replace function list_api_keys() returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', k.id, 'principal', k.principal, 'scopes', to_jsonb(k.scopes), 'label', k.label,
           'created_at', ledger_ts(k.created_at), 'revoked_at', ledger_ts(k.revoked_at)) order by k.created_at), '[]'::jsonb)
    from api_keys k
$$;
