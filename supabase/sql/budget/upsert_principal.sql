-- Creates or updates a principal's limits (operators and config only; no tool reaches this).
create or replace function upsert_principal(
  p_principal text, p_per_request bigint, p_daily bigint, p_monthly bigint
) returns jsonb
language plpgsql set search_path from current as $$
declare
  p principals;
begin
  insert into principals (id, per_request_limit, daily_limit, monthly_limit)
  values (p_principal, p_per_request, p_daily, p_monthly)
  on conflict (id) do update
     set per_request_limit = excluded.per_request_limit,
         daily_limit = excluded.daily_limit,
         monthly_limit = excluded.monthly_limit,
         updated_at = now()
  returning * into p;
  return jsonb_build_object('principal', p.id, 'per_request', p.per_request_limit::text,
                            'daily', p.daily_limit::text, 'monthly', p.monthly_limit::text);
end $$;
