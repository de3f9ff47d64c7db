-- A policy denial of a quote (nothing reserved, nothing signed). p_request: {method, url, host, bodyHash,
-- requestHash}; p_quote: {scheme, network, asset, amount, payTo, x402Version, maxTimeoutSeconds}.
-- Returns {entry, receipt_id}: receipt_id (`d<entry>`) is what the refused call returns, what list_spend lists with
-- status 'refused' and what `pag0 audit verify` takes.
create or replace function record_denial(p_principal text, p_request jsonb, p_quote jsonb, p_code text)
returns jsonb
language plpgsql set search_path from current as $$
declare
  v_entry bigint;
begin
  if p_principal is null or p_request is null or p_quote is null or coalesce(p_code, '') = '' then
    raise exception 'record_denial: principal, request, quote and code are required' using errcode = '22023';
  end if;
  v_entry := audit_enqueue(
    'denial', null, p_principal,
    audit_request_json(p_request ->> 'method', p_request ->> 'url', p_request ->> 'bodyHash',
                       p_request ->> 'requestHash'),
    audit_quote_json(p_quote, p_quote ->> 'amount', null),
    audit_policy(p_principal, 'deny'),
    null,
    p_code);
  update audit_outbox set host = lower(p_request ->> 'host') where id = v_entry;
  return jsonb_build_object('entry', v_entry::text, 'receipt_id', 'd' || v_entry);
end $$;
