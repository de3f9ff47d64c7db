create or replace function audit_quote_json(p_quote jsonb, p_amount text, p_nonce text) returns jsonb
language sql immutable set search_path from current as $$
  select jsonb_build_object('scheme', p_quote ->> 'scheme', 'network', p_quote ->> 'network',
                            'asset', p_quote ->> 'asset', 'amount', p_amount, 'payTo', p_quote ->> 'payTo',
                            'x402Version', p_quote -> 'x402Version', 'maxTimeoutSeconds', p_quote -> 'maxTimeoutSeconds',
                            'authorizationNonce', p_nonce)
$$;
