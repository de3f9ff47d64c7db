-- The request and quote parts of a receipt: the same keys for settlements, releases and denials.
create or replace function audit_request_json(p_method text, p_url text, p_body_hash text, p_request_hash text)
returns jsonb
language sql immutable set search_path from current as $$
  select jsonb_build_object('method', p_method, 'url', p_url, 'bodyHash', p_body_hash, 'requestHash', p_request_hash)
$$;
