-- A policy denial of a quote (nothing reserved, nothing signed). p_request: {method, url, bodyHash, requestHash};
-- p_quote: {scheme, network, asset, amount, payTo, x402Version, maxTimeoutSeconds}. Returns {entry}.
create or replace function record_denial(p_principal text, p_request jsonb, p_quote jsonb, p_code text)
returns jsonb
language plpgsql set search_path from current as $$
begin
  if p_principal is null or p_request is null or p_quote is null or coalesce(p_code, '') = '' then
    raise exception 'record_denial: principal, request, quote and code are required' using errcode = '22023';
  end if;
  return jsonb_build_object('entry', audit_enqueue(
    'denial', null, p_principal,
    audit_request_json(p_request ->> 'method', p_request ->> 'url', p_request ->> 'bodyHash',
                       p_request ->> 'requestHash'),
    audit_quote_json(p_quote, p_quote ->> 'amount', null),
    audit_policy(p_principal, 'deny'),
    null,
    p_code)::text);
end $$;
