-- Expires a principal's unsigned reservations past their TTL and gives their amounts back to the windows they
-- were counted in. Caller holds the principal lock. Returns how many rows expired.
create or replace function ledger_expire_principal(p_principal text, p_now timestamptz) returns integer
language plpgsql set search_path from current as $$
declare
  n integer;
begin
  with gone as (
    update spend_events
       set status = 'expired', updated_at = p_now
     where principal = p_principal and status = 'reserved' and expires_at <= p_now
    returning month_window, day_window, amount
  ), per_window as (
    select 'month'::text as kind, month_window as window_start, sum(amount) as amount from gone group by month_window
    union all
    select 'day'::text, day_window, sum(amount) from gone group by day_window
  ), given_back as (
    update budget_windows w
       set reserved = w.reserved - pw.amount
      from per_window pw
     where w.principal = p_principal and w.kind = pw.kind and w.window_start = pw.window_start
    returning 1
  )
  select count(*) into n from gone;
  return n;
end $$;
