-- The principal's monthly and daily limits for p_amount more: null when it fits, else the denial. Creates the
-- principal's windows for the month and day of the reservation and locks them (month, then day) until commit.
-- Caller holds the principal lock.
create or replace function reserve_principal_windows(p principals, p_amount bigint, p_month date, p_day date)
returns jsonb
language plpgsql set search_path from current as $$
declare
  m budget_windows;
  d budget_windows;
begin
  insert into budget_windows (principal, kind, window_start)
  values (p.id, 'month', p_month), (p.id, 'day', p_day)
  on conflict do nothing;
  select * into m from budget_windows
   where principal = p.id and kind = 'month' and window_start = p_month for update;
  select * into d from budget_windows
   where principal = p.id and kind = 'day' and window_start = p_day for update;

  if m.spent + m.reserved + p_amount > p.monthly_limit then
    return jsonb_build_object('ok', false, 'reason', 'monthly_limit', 'limit', p.monthly_limit::text,
                              'spent', m.spent::text, 'reserved', m.reserved::text);
  end if;
  if d.spent + d.reserved + p_amount > p.daily_limit then
    return jsonb_build_object('ok', false, 'reason', 'daily_limit', 'limit', p.daily_limit::text,
                              'spent', d.spent::text, 'reserved', d.reserved::text);
  end if;
  return null;
end $$;
