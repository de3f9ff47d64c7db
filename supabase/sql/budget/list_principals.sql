create or replace function list_principals() returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'principal', p.id, 'per_request', p.per_request_limit::text,
           'daily', p.daily_limit::text, 'monthly', p.monthly_limit::text,
           'allowed_hosts', to_jsonb(p.allowed_hosts), 'blocked_hosts', to_jsonb(p.blocked_hosts)) order by p.id),
         '[]'::jsonb)
    from principals p
$$;
