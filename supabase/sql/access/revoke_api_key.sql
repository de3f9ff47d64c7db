create or replace function revoke_api_key(p_id text) returns jsonb
language plpgsql set search_path from current as $$
begin
  update api_keys set revoked_at = coalesce(revoked_at, now()) where id = p_id;
  return jsonb_build_object('ok', found);
end $$;
