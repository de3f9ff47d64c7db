-- Moves money in the month and day window a row was counted in. Caller holds the principal lock.
create or replace function ledger_adjust_windows(
  p_principal text, p_month date, p_day date, p_reserved bigint, p_spent bigint
) returns void
language plpgsql set search_path from current as $$
declare
  n integer;
begin
  update budget_windows
     set reserved = reserved + p_reserved, spent = spent + p_spent
   where principal = p_principal
     and ((kind = 'month' and window_start = p_month) or (kind = 'day' and window_start = p_day));
  get diagnostics n = row_count;
  if n <> 2 then
    raise exception 'ledger: budget windows of % (% / %) are missing', p_principal, p_month, p_day
      using errcode = 'P0002';
  end if;
end $$;
