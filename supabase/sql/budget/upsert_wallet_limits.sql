create or replace function upsert_wallet_limits(p_daily bigint, p_monthly bigint) returns jsonb
language plpgsql set search_path from current as $$
begin
  if p_daily is null or p_monthly is null or p_daily < 0 or p_monthly < 0 then
    raise exception 'upsert_wallet_limits: limits must be non-negative' using errcode = '22023';
  end if;
  insert into wallet_limits (id, daily_limit, monthly_limit) values ('wallet', p_daily, p_monthly)
  on conflict (id) do update set daily_limit = excluded.daily_limit, monthly_limit = excluded.monthly_limit,
                                 updated_at = now();
  return jsonb_build_object('daily', p_daily::text, 'monthly', p_monthly::text);
end $$;
