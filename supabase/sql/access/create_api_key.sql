-- p_scopes is a jsonb array of strings: every driver passes jsonb alike, unlike text[]. A key whose id or hash
-- exists already is refused as 'duplicate', not raised: it says nothing about the ledger's health.
create or replace function create_api_key(
  p_id text, p_principal text, p_key_hash text, p_scopes jsonb, p_label text default null
) returns jsonb
language plpgsql set search_path from current as $$
begin
  if not exists (select 1 from principals where id = p_principal) then
    return jsonb_build_object('ok', false, 'reason', 'unknown_principal');
  end if;
  begin
    insert into api_keys (id, principal, key_hash, scopes, label)
    values (p_id, p_principal, p_key_hash, array(select jsonb_array_elements_text(p_scopes)), p_label);
  exception when unique_violation then
    return jsonb_build_object('ok', false, 'reason', 'duplicate');
  end;
  return jsonb_build_object('ok', true, 'id', p_id);
end $$;
