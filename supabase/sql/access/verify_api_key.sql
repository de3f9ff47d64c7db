-- The principal and scopes behind a key hash, or null when it is unknown or revoked.
create or replace function verify_api_key(p_key_hash text) returns jsonb
language sql stable set search_path from current as $$
  select jsonb_build_object('id', k.id, 'principal', k.principal, 'scopes', to_jsonb(k.scopes))
    from api_keys k where k.key_hash = p_key_hash and k.revoked_at is null
$$;
