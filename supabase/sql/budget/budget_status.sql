-- Limits, spent, held and remaining for the UTC day and month containing p_now; null for an unknown principal.
-- Reservations past their TTL that no call has expired yet are not counted as held.
-- remaining.today is also capped by what is left of the month: it is what could still be reserved today.
-- saved: {today, month}, what cache hits saved in the current windows. policy: the principal's own host lists
-- ({allowed_hosts, blocked_hosts}), which precheck applies on top of the server-wide ones.
create or replace function budget_status(p_principal text, p_now timestamptz default now()) returns jsonb
language plpgsql stable set search_path from current as $$
declare
  v_now   timestamptz := coalesce(p_now, now());
  v_day   date := (v_now at time zone 'UTC')::date;
  v_month date := date_trunc('month', v_now at time zone 'UTC')::date;
  p principals;
  v_day_spent bigint := 0;
  v_day_held bigint := 0;
  v_month_spent bigint := 0;
  v_month_held bigint := 0;
  v_day_stale bigint;
  v_month_stale bigint;
  v_month_left bigint;
  v_day_saved bigint;
  v_month_saved bigint;
begin
  select * into p from principals where id = p_principal;
  if not found then
    return null;
  end if;
  select coalesce(sum(spent) filter (where kind = 'day'), 0), coalesce(sum(reserved) filter (where kind = 'day'), 0),
         coalesce(sum(spent) filter (where kind = 'month'), 0), coalesce(sum(reserved) filter (where kind = 'month'), 0)
    into v_day_spent, v_day_held, v_month_spent, v_month_held
    from budget_windows
   where principal = p_principal
     and ((kind = 'day' and window_start = v_day) or (kind = 'month' and window_start = v_month));
  select coalesce(sum(amount) filter (where day_window = v_day), 0),
         coalesce(sum(amount) filter (where month_window = v_month), 0)
    into v_day_stale, v_month_stale
    from spend_events
   where principal = p_principal and status = 'reserved' and expires_at <= v_now;
  select coalesce(sum(saved) filter (where day_window = v_day), 0), coalesce(sum(saved), 0)
    into v_day_saved, v_month_saved
    from spend_events
   where principal = p_principal and cached and month_window = v_month;
  v_day_held := v_day_held - v_day_stale;
  v_month_held := v_month_held - v_month_stale;
  v_month_left := greatest(p.monthly_limit - v_month_spent - v_month_held, 0);

  return jsonb_build_object(
    'principal', p.id,
    'limits', jsonb_build_object('per_request', p.per_request_limit::text, 'daily', p.daily_limit::text,
                                 'monthly', p.monthly_limit::text),
    'spent', jsonb_build_object('today', v_day_spent::text, 'month', v_month_spent::text),
    'reserved', jsonb_build_object('today', v_day_held::text, 'month', v_month_held::text),
    'remaining', jsonb_build_object(
      'today', least(greatest(p.daily_limit - v_day_spent - v_day_held, 0), v_month_left)::text,
      'month', v_month_left::text),
    'resets_at', jsonb_build_object(
      'day', ledger_ts((v_day + 1)::timestamp at time zone 'UTC'),
      'month', ledger_ts((v_month + interval '1 month') at time zone 'UTC')),
    'saved', jsonb_build_object('today', v_day_saved::text, 'month', v_month_saved::text),
    'policy', jsonb_build_object('allowed_hosts', to_jsonb(p.allowed_hosts), 'blocked_hosts', to_jsonb(p.blocked_hosts)));
end $$;
