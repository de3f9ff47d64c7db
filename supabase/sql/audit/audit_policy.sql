-- What the principal's policy was when it decided: allow (reserved against these limits) or deny.
create or replace function audit_policy(p_principal text, p_decision text) returns jsonb
language sql stable set search_path from current as $$
  select jsonb_build_object(
    'decision', p_decision,
    'limits', (select jsonb_build_object('perRequest', p.per_request_limit::text, 'daily', p.daily_limit::text,
                                         'monthly', p.monthly_limit::text)
                 from principals p where p.id = p_principal))
$$;
