-- The wallet-wide limits for p_amount more: one wallet pays for every principal, so its day and month limits
-- hold across all of them. Null when it fits or there is no wallet_limits row, else the denial.
-- Reserves of all principals serialise on the wallet row (locked until commit); only reserves raise what windows
-- hold, so the sums below cannot grow under us.
create or replace function reserve_wallet_windows(p_amount bigint, p_month date, p_day date) returns jsonb
language plpgsql set search_path from current as $$
declare
  w wallet_limits;
  v_wallet_used bigint;
begin
  select * into w from wallet_limits where id = 'wallet' for update;
  if not found then
    return null;
  end if;
  select coalesce(sum(spent + reserved), 0) into v_wallet_used
    from budget_windows where kind = 'month' and window_start = p_month;
  if v_wallet_used + p_amount > w.monthly_limit then
    return jsonb_build_object('ok', false, 'reason', 'wallet_monthly_limit', 'limit', w.monthly_limit::text,
                              'spent', v_wallet_used::text, 'reserved', '0');
  end if;
  select coalesce(sum(spent + reserved), 0) into v_wallet_used
    from budget_windows where kind = 'day' and window_start = p_day;
  if v_wallet_used + p_amount > w.daily_limit then
    return jsonb_build_object('ok', false, 'reason', 'wallet_daily_limit', 'limit', w.daily_limit::text,
                              'spent', v_wallet_used::text, 'reserved', '0');
  end if;
  return null;
end $$;
