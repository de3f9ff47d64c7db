-- Savings of the paid-response cache. A cache hit is recorded as a spend row that moved no money: status
-- 'settled', amount 0, cached = true, and `saved` = the price paid for the response originally (`cached_from`:
-- the row of that payment, when this ledger has it). Hits never touch budget_windows: budgets count money only.
-- Forward only; runs unchanged on PGlite, Postgres 15+ and Supabase.

alter table spend_events add column if not exists cached boolean not null default false;
alter table spend_events add column if not exists saved bigint not null default 0;
alter table spend_events add column if not exists cached_from bigint;

-- Every payment row still has a positive amount; only a cache hit costs nothing, and only a cache hit saves.
alter table spend_events drop constraint if exists spend_events_amount_check;
alter table spend_events add constraint spend_events_amount_check check (amount > 0 or cached);
alter table spend_events drop constraint if exists spend_events_cached_check;
alter table spend_events add constraint spend_events_cached_check
  check (saved >= 0 and (cached or saved = 0) and (not cached or (status = 'settled' and amount = 0)));

create index if not exists spend_events_saved_idx on spend_events (principal, month_window, day_window) where cached;

-- The row as every function returns it, now with the cache fields.
create or replace function ledger_spend_json(e spend_events) returns jsonb
language sql stable set search_path from current as $$
  select jsonb_build_object(
    'id', e.id::text,
    'principal', e.principal,
    'status', e.status,
    'idempotency_key', e.idempotency_key,
    'amount', e.amount::text,
    'request_hash', e.request_hash,
    'method', e.method,
    'url', e.url,
    'host', e.host,
    'quote', e.quote,
    'authorization', e."authorization",
    'tx_hash', e.tx_hash,
    'outcome_code', e.outcome_code,
    'response', e.response,
    'day_window', e.day_window,
    'month_window', e.month_window,
    'created_at', ledger_ts(e.created_at),
    'updated_at', ledger_ts(e.updated_at),
    'expires_at', ledger_ts(e.expires_at),
    'cached', e.cached,
    'saved', e.saved::text,
    'cached_from', e.cached_from::text)
$$;

-- Records a cache hit for p_principal: a settled zero-cost row saving p_saved, under the key
-- 'cache-hit:' || p_idempotency_key, so one logical request records one saving however often it is retried.
-- Returns {ok:true, replayed, spend}, or {ok:false, reason}:
--   * unknown_principal
--   * idempotency_key_used: p_idempotency_key already belongs to a payment of this principal. The call is a retry
--     of that payment, which costs nothing anyway (the payment is replayed), so it saves nothing.
-- The request hash is stored prefixed too: reserve_spend never mistakes a hit row for a payment of the same key.
create or replace function record_cache_hit(
  p_principal text, p_idempotency_key text, p_request_hash text, p_method text, p_url text, p_host text,
  p_quote jsonb, p_saved bigint, p_cached_from bigint default null, p_now timestamptz default now()
) returns jsonb
language plpgsql set search_path from current as $$
declare
  v_now timestamptz := coalesce(p_now, now());
  v_key text := 'cache-hit:' || p_idempotency_key;
  e spend_events;
begin
  if p_saved is null or p_saved < 0 or coalesce(p_idempotency_key, '') = '' or p_request_hash is null
     or p_quote is null then
    raise exception 'record_cache_hit: saved must be >= 0; key, request hash and quote are required'
      using errcode = '22023';
  end if;
  -- a share lock keeps the ledger's lock order (principal first) without queueing hits behind each other
  perform 1 from principals where id = p_principal for share;
  if not found then
    return jsonb_build_object('ok', false, 'reason', 'unknown_principal');
  end if;
  if exists (select 1 from spend_events where principal = p_principal and idempotency_key = p_idempotency_key) then
    return jsonb_build_object('ok', false, 'reason', 'idempotency_key_used');
  end if;

  insert into spend_events (principal, idempotency_key, request_hash, method, url, host, amount, status, quote,
                            cached, saved, cached_from, day_window, month_window, created_at, updated_at, expires_at)
  values (p_principal, v_key, 'cache-hit:' || p_request_hash, p_method, p_url, p_host, 0, 'settled', p_quote,
          true, p_saved, p_cached_from, (v_now at time zone 'UTC')::date,
          date_trunc('month', v_now at time zone 'UTC')::date, v_now, v_now, v_now)
  on conflict (principal, idempotency_key) do nothing
  returning * into e;
  if e.id is not null then
    return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
  end if;
  select * into e from spend_events where principal = p_principal and idempotency_key = v_key;
  return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
end $$;

-- As in 20261126000000_ledger.sql, plus totals.saved: what cache hits saved over the whole filter.
create or replace function list_spend(
  p_principal text default null, p_since timestamptz default null, p_until timestamptz default null,
  p_host text default null, p_status text default null, p_limit integer default 50, p_cursor text default null
) returns jsonb
language plpgsql stable set search_path from current as $$
declare
  v_limit integer := least(greatest(coalesce(p_limit, 50), 1), 100);
  v_after_at timestamptz;
  v_after_id bigint;
  v_items jsonb;
  v_rows integer;
  v_last text;
  v_count bigint;
  v_spent bigint;
  v_saved bigint;
begin
  if p_cursor is not null then
    if p_cursor !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\|\d+$' then
      raise exception 'list_spend: invalid cursor' using errcode = '22023';
    end if;
    v_after_at := split_part(p_cursor, '|', 1)::timestamptz;
    v_after_id := split_part(p_cursor, '|', 2)::bigint;
  end if;

  select count(*), coalesce(sum(e.amount) filter (where e.status = 'settled'), 0), coalesce(sum(e.saved), 0)
    into v_count, v_spent, v_saved
    from spend_events e
   where (p_principal is null or e.principal = p_principal)
     and (p_since is null or e.created_at >= p_since)
     and (p_until is null or e.created_at < p_until)
     and (p_host is null or e.host = p_host)
     and (p_status is null or e.status = p_status);

  select coalesce(jsonb_agg(page.item order by page.rn) filter (where page.rn <= v_limit), '[]'::jsonb),
         count(*),
         max(ledger_ts(page.created_at) || '|' || page.id) filter (where page.rn = v_limit)
    into v_items, v_rows, v_last
    from (select ledger_spend_json(e) as item, e.created_at, e.id,
                 row_number() over (order by e.created_at desc, e.id desc) as rn
            from (select * from spend_events e
                   where (p_principal is null or e.principal = p_principal)
                     and (p_since is null or e.created_at >= p_since)
                     and (p_until is null or e.created_at < p_until)
                     and (p_host is null or e.host = p_host)
                     and (p_status is null or e.status = p_status)
                     and (v_after_at is null or (e.created_at, e.id) < (v_after_at, v_after_id))
                   order by e.created_at desc, e.id desc
                   limit v_limit + 1) e) page;

  return jsonb_build_object(
    'items', v_items,
    'next_cursor', case when v_rows > v_limit then v_last end,
    'totals', jsonb_build_object('spent', v_spent::text, 'count', v_count, 'saved', v_saved::text));
end $$;

-- As in 20261126000000_ledger.sql, plus saved: {today, month}, what cache hits saved in the current windows.
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
    'saved', jsonb_build_object('today', v_day_saved::text, 'month', v_month_saved::text));
end $$;

-- Supabase only (guarded as in 20261126000000_ledger.sql): the new function is for the service role alone.
-- `create or replace` keeps the grants of the functions redefined above.
do $$
declare
  f regprocedure;
begin
  if (select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role')) = 3 then
    for f in
      select p.oid::regprocedure
        from pg_proc p
       where p.pronamespace = (select oid from pg_namespace where nspname = current_schema())
         and p.proname = 'record_cache_hit'
    loop
      execute format('revoke execute on function %s from public, anon, authenticated', f);
      execute format('grant execute on function %s to service_role', f);
    end loop;
  end if;
end $$;
