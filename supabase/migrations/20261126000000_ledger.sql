-- Pag0 money ledger: budgets, reservations and spend, for every backend (PGlite, Postgres 15+, Supabase).
--
-- The money logic lives here once. Every public function returns jsonb (identical JSON on every driver:
-- PGlite, postgres.js and PostgREST disagree about int8, date and json column types) and is called by named
-- arguments (`select reserve_spend(p_principal => $1, ...)`), which is how PostgREST resolves /rpc/fn.
-- Money is bigint atomic units (USDC has 6 decimals) and travels in jsonb as decimal strings, never floats.
--
-- Concurrency: every function that moves money first locks the principal row (`for update`). That one lock
-- serialises all money movements of a principal, in any number of processes, so lock order is always
-- principal -> spend rows -> budget windows and no two ledger calls can deadlock. Functions rely on READ
-- COMMITTED (the Postgres default): each statement after the lock sees what the previous holder committed.
--
-- Windows are the UTC calendar day and month. A row is counted in the windows of its reservation time
-- (day_window, month_window) and settles or is released there, whenever that happens.
--
-- Functions taking p_now default to now(); tests pass a fixed time to cross a day or month boundary.

create table if not exists principals (
  id                text        primary key,
  per_request_limit bigint      not null check (per_request_limit >= 0),
  daily_limit       bigint      not null check (daily_limit >= 0),
  monthly_limit     bigint      not null check (monthly_limit >= 0),
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now()
);

-- One row per principal, kind and window: `reserved` holds reserved + signed + unknown rows, `spent` settled ones.
create table if not exists budget_windows (
  principal    text   not null references principals (id),
  kind         text   not null check (kind in ('day', 'month')),
  window_start date   not null,
  reserved     bigint not null default 0 check (reserved >= 0),
  spent        bigint not null default 0 check (spent >= 0),
  primary key (principal, kind, window_start),
  check (kind = 'day' or extract(day from window_start) = 1)
);

create table if not exists spend_events (
  id              bigint generated always as identity primary key,
  principal       text        not null references principals (id),
  idempotency_key text        not null check (idempotency_key <> ''),
  request_hash    text        not null,
  method          text        not null,
  url             text        not null,
  host            text        not null,
  amount          bigint      not null check (amount > 0),
  status          text        not null
                  check (status in ('reserved', 'signed', 'settled', 'released', 'unknown', 'expired')),
  quote           jsonb       not null
                  check (quote ?& array['scheme', 'network', 'asset', 'payTo', 'x402Version', 'maxTimeoutSeconds']),
  "authorization" jsonb       check ("authorization" ?& array['payer', 'nonce', 'validBefore']),
  tx_hash         text,
  outcome_code    text,
  response        jsonb,
  day_window      date        not null,
  month_window    date        not null,
  created_at      timestamptz not null,
  updated_at      timestamptz not null,
  expires_at      timestamptz not null,
  unique (principal, idempotency_key),
  check (status <> 'signed' or "authorization" is not null)
);

create index if not exists spend_events_list_idx on spend_events (created_at desc, id desc);
create index if not exists spend_events_principal_list_idx on spend_events (principal, created_at desc, id desc);
create index if not exists spend_events_open_idx on spend_events (principal, expires_at) where status = 'reserved';
create index if not exists spend_events_pending_idx on spend_events (updated_at, id) where status in ('signed', 'unknown');

-- ---------------------------------------------------------------------------------------------------------------
-- Internal helpers (not part of the RPC contract).

-- UTC ISO-8601 with microseconds: exact, and parseable by JS Date.
create or replace function ledger_ts(p_at timestamptz) returns text
language sql stable set search_path from current as $$
  select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

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
    'expires_at', ledger_ts(e.expires_at))
$$;

-- Locks the owning principal, then the row (the global lock order). Returns null when there is no such row.
create or replace function ledger_lock_spend(p_id bigint) returns spend_events
language plpgsql set search_path from current as $$
declare
  v_principal text;
  e spend_events;
begin
  select principal into v_principal from spend_events where id = p_id;
  if not found then
    return null;
  end if;
  perform 1 from principals where id = v_principal for update;
  select * into e from spend_events where id = p_id for update;
  return e;
end $$;

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

-- ---------------------------------------------------------------------------------------------------------------
-- The RPC contract.

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

-- Atomically holds p_amount against the principal's month and day windows.
-- Returns {ok:true, replayed, spend} or {ok:false, reason[, limit, spent, reserved]}.
--
-- Idempotency (checked under the principal lock, so concurrent retries queue and then see the first one's row):
--   * same key, different request_hash        -> idempotency_conflict
--   * same key, row expired, or released and no signed authorization of it can still move money
--     (never signed, or validBefore has passed)  -> the same row is reserved again (fresh amount, quote, windows, TTL)
--   * same key, any other status               -> replayed: the existing row, untouched
-- A released row whose signed authorization is still valid is replayed, not re-reserved: the payee may still
-- submit that signature, and signing a second one for the same key could pay twice.
create or replace function reserve_spend(
  p_principal text, p_amount bigint, p_idempotency_key text, p_request_hash text,
  p_method text, p_url text, p_host text, p_quote jsonb, p_ttl_seconds integer,
  p_now timestamptz default now()
) returns jsonb
language plpgsql set search_path from current as $$
declare
  v_now   timestamptz := coalesce(p_now, now());
  v_day   date := (v_now at time zone 'UTC')::date;
  v_month date := date_trunc('month', v_now at time zone 'UTC')::date;
  p principals;
  m budget_windows;
  d budget_windows;
  e spend_events;
  v_existing boolean;
begin
  if p_amount is null or p_amount <= 0 or p_ttl_seconds is null or p_ttl_seconds <= 0
     or coalesce(p_idempotency_key, '') = '' or p_request_hash is null or p_quote is null then
    raise exception 'reserve_spend: amount and ttl must be positive; key, request hash and quote are required'
      using errcode = '22023';
  end if;

  select * into p from principals where id = p_principal for update;
  if not found then
    return jsonb_build_object('ok', false, 'reason', 'unknown_principal');
  end if;

  -- Before the key check, so that retrying an abandoned key re-reserves it instead of replaying a dead hold.
  perform ledger_expire_principal(p_principal, v_now);

  select * into e from spend_events
   where principal = p_principal and idempotency_key = p_idempotency_key for update;
  v_existing := found;
  if v_existing then
    if e.request_hash <> p_request_hash then
      return jsonb_build_object('ok', false, 'reason', 'idempotency_conflict');
    end if;
    if not (e.status = 'expired'
            or (e.status = 'released'
                and (e."authorization" is null
                     or (e."authorization" ->> 'validBefore')::numeric <= extract(epoch from v_now)))) then
      return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
    end if;
  end if;

  if p_amount > p.per_request_limit then
    return jsonb_build_object('ok', false, 'reason', 'per_request_limit', 'limit', p.per_request_limit::text);
  end if;

  insert into budget_windows (principal, kind, window_start)
  values (p_principal, 'month', v_month), (p_principal, 'day', v_day)
  on conflict do nothing;
  select * into m from budget_windows
   where principal = p_principal and kind = 'month' and window_start = v_month for update;
  select * into d from budget_windows
   where principal = p_principal and kind = 'day' and window_start = v_day for update;

  if m.spent + m.reserved + p_amount > p.monthly_limit then
    return jsonb_build_object('ok', false, 'reason', 'monthly_limit', 'limit', p.monthly_limit::text,
                              'spent', m.spent::text, 'reserved', m.reserved::text);
  end if;
  if d.spent + d.reserved + p_amount > p.daily_limit then
    return jsonb_build_object('ok', false, 'reason', 'daily_limit', 'limit', p.daily_limit::text,
                              'spent', d.spent::text, 'reserved', d.reserved::text);
  end if;

  perform ledger_adjust_windows(p_principal, v_month, v_day, p_amount, 0);

  if v_existing then
    update spend_events
       set amount = p_amount, method = p_method, url = p_url, host = p_host, quote = p_quote,
           status = 'reserved', "authorization" = null, tx_hash = null, outcome_code = null, response = null,
           day_window = v_day, month_window = v_month, updated_at = v_now,
           expires_at = v_now + make_interval(secs => p_ttl_seconds)
     where id = e.id
    returning * into e;
  else
    insert into spend_events (principal, idempotency_key, request_hash, method, url, host, amount, status, quote,
                              day_window, month_window, created_at, updated_at, expires_at)
    values (p_principal, p_idempotency_key, p_request_hash, p_method, p_url, p_host, p_amount, 'reserved', p_quote,
            v_day, v_month, v_now, v_now, v_now + make_interval(secs => p_ttl_seconds))
    returning * into e;
  end if;
  return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
end $$;

-- reserved -> signed, before the authorization leaves the process. Signed rows never expire: only settle,
-- release or mark_unknown move them on. Replay-safe for the same nonce.
create or replace function mark_signed(p_id bigint, p_authorization jsonb) returns jsonb
language plpgsql set search_path from current as $$
declare
  e spend_events;
  v_auth jsonb;
begin
  if p_authorization is null or not (p_authorization ?& array['payer', 'nonce', 'validBefore'])
     or coalesce(p_authorization ->> 'nonce', '') = '' or coalesce(p_authorization ->> 'payer', '') = ''
     or (p_authorization ->> 'validBefore') !~ '^[0-9]+$' then
    raise exception 'mark_signed: authorization needs payer, nonce and a numeric validBefore' using errcode = '22023';
  end if;
  v_auth := jsonb_build_object('payer', p_authorization ->> 'payer', 'nonce', p_authorization ->> 'nonce',
                               'validBefore', p_authorization ->> 'validBefore');
  e := ledger_lock_spend(p_id);
  if e.id is null then
    return jsonb_build_object('ok', false, 'reason', 'not_found');
  end if;
  if e.status = 'reserved' then
    update spend_events set status = 'signed', "authorization" = v_auth, updated_at = now()
     where id = p_id returning * into e;
    return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
  end if;
  if e.status in ('signed', 'unknown', 'settled') and e."authorization" ->> 'nonce' = v_auth ->> 'nonce' then
    return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
  end if;
  return jsonb_build_object('ok', false, 'reason',
                            case when e.status = 'signed' then 'nonce_mismatch' else 'invalid_transition' end,
                            'status', e.status);
end $$;

-- reserved | signed | unknown -> settled: the amount moves from reserved to spent in the row's own windows.
-- Late settlement: a *released* row that carries an authorization (it was signed) may still settle, because
-- chain state is the truth and the money has left; its amount is counted as spent again, even above the limit,
-- and its outcome_code is kept as the trace of the earlier release. Expired rows were never signed: refused.
-- Replay-safe: settling a settled row again returns it (filling a missing tx_hash / response).
create or replace function settle_spend(p_id bigint, p_tx_hash text default null, p_response jsonb default null)
returns jsonb
language plpgsql set search_path from current as $$
declare
  e spend_events;
begin
  e := ledger_lock_spend(p_id);
  if e.id is null then
    return jsonb_build_object('ok', false, 'reason', 'not_found');
  end if;
  if e.status = 'settled' then
    if p_tx_hash is not null and e.tx_hash is not null and p_tx_hash <> e.tx_hash then
      return jsonb_build_object('ok', false, 'reason', 'tx_hash_mismatch', 'status', e.status);
    end if;
    if (e.tx_hash is null and p_tx_hash is not null) or (e.response is null and p_response is not null) then
      update spend_events
         set tx_hash = coalesce(tx_hash, p_tx_hash), response = coalesce(response, p_response), updated_at = now()
       where id = p_id returning * into e;
    end if;
    return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
  end if;
  if e.status in ('reserved', 'signed', 'unknown') then
    perform ledger_adjust_windows(e.principal, e.month_window, e.day_window, -e.amount, e.amount);
  elsif e.status = 'released' and e."authorization" is not null then
    perform ledger_adjust_windows(e.principal, e.month_window, e.day_window, 0, e.amount);
  else
    return jsonb_build_object('ok', false, 'reason', 'invalid_transition', 'status', e.status);
  end if;
  update spend_events set status = 'settled', tx_hash = p_tx_hash, response = p_response, updated_at = now()
   where id = p_id returning * into e;
  return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
end $$;

-- reserved | signed | unknown -> released: nothing was (or can any longer be) paid; the hold is given back.
-- Replay-safe on released/expired rows; refused on settled ones.
create or replace function release_spend(p_id bigint, p_outcome_code text) returns jsonb
language plpgsql set search_path from current as $$
declare
  e spend_events;
begin
  e := ledger_lock_spend(p_id);
  if e.id is null then
    return jsonb_build_object('ok', false, 'reason', 'not_found');
  end if;
  if e.status in ('released', 'expired') then
    return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
  end if;
  if e.status not in ('reserved', 'signed', 'unknown') then
    return jsonb_build_object('ok', false, 'reason', 'invalid_transition', 'status', e.status);
  end if;
  perform ledger_adjust_windows(e.principal, e.month_window, e.day_window, -e.amount, 0);
  update spend_events set status = 'released', outcome_code = p_outcome_code, updated_at = now()
   where id = p_id returning * into e;
  return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
end $$;

-- reserved | signed -> unknown: the amount stays held until the reconciler settles or releases it.
create or replace function mark_unknown(p_id bigint, p_outcome_code text) returns jsonb
language plpgsql set search_path from current as $$
declare
  e spend_events;
begin
  e := ledger_lock_spend(p_id);
  if e.id is null then
    return jsonb_build_object('ok', false, 'reason', 'not_found');
  end if;
  if e.status = 'unknown' then
    return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
  end if;
  if e.status not in ('reserved', 'signed') then
    return jsonb_build_object('ok', false, 'reason', 'invalid_transition', 'status', e.status);
  end if;
  update spend_events set status = 'unknown', outcome_code = p_outcome_code, updated_at = now()
   where id = p_id returning * into e;
  return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
end $$;

-- The row, or null.
create or replace function get_spend(p_id bigint) returns jsonb
language sql stable set search_path from current as $$
  select ledger_spend_json(e) from spend_events e where e.id = p_id
$$;

-- Newest first, keyset-paginated on (created_at desc, id desc). p_since is inclusive, p_until exclusive.
-- The cursor is opaque to callers ("<created_at UTC ISO>|<id>" of the last row of the previous page).
-- totals cover the whole filter, not the page: count of rows, and spent = sum of settled amounts.
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
begin
  if p_cursor is not null then
    if p_cursor !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\|\d+$' then
      raise exception 'list_spend: invalid cursor' using errcode = '22023';
    end if;
    v_after_at := split_part(p_cursor, '|', 1)::timestamptz;
    v_after_id := split_part(p_cursor, '|', 2)::bigint;
  end if;

  select count(*), coalesce(sum(e.amount) filter (where e.status = 'settled'), 0)
    into v_count, v_spent
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
    'totals', jsonb_build_object('spent', v_spent::text, 'count', v_count));
end $$;

-- Limits, spent, held and remaining for the UTC day and month containing p_now; null for an unknown principal.
-- Reservations past their TTL that no call has expired yet are not counted as held.
-- remaining.today is also capped by what is left of the month: it is what could still be reserved today.
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
      'month', ledger_ts((v_month + interval '1 month') at time zone 'UTC')));
end $$;

-- What the reconciler must decide from chain state: signed rows last touched before p_signed_before (their
-- caller may still be finishing) and every unknown row. Oldest first, at most p_limit.
create or replace function pending_outcomes(p_signed_before timestamptz, p_limit integer default 1000) returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(ledger_spend_json(e) order by e.updated_at, e.id), '[]'::jsonb)
    from (select * from spend_events
           where (status = 'signed' and updated_at < p_signed_before) or status = 'unknown'
           order by updated_at, id
           limit greatest(coalesce(p_limit, 1000), 1)) e
$$;

-- Expires every unsigned reservation past its TTL (the lazy path in reserve_spend covers one principal).
-- Principals are locked one at a time in id order, so concurrent sweeps cannot deadlock. Returns {expired: n}.
create or replace function expire_reservations(p_now timestamptz default now()) returns jsonb
language plpgsql set search_path from current as $$
declare
  v_now timestamptz := coalesce(p_now, now());
  r record;
  n integer := 0;
begin
  for r in select distinct principal from spend_events
            where status = 'reserved' and expires_at <= v_now
            order by principal loop
    perform 1 from principals where id = r.principal for update;
    n := n + ledger_expire_principal(r.principal, v_now);
  end loop;
  return jsonb_build_object('expired', n);
end $$;

-- Supabase only: the money functions are for the service role, never for the anon/authenticated API roles, and
-- the tables are closed to them (RLS on, no policies). Guarded so this file runs unchanged on PGlite and plain
-- Postgres, where these roles do not exist.
do $$
declare
  f regprocedure;
begin
  if (select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role')) = 3 then
    for f in
      select p.oid::regprocedure
        from pg_proc p
       where p.pronamespace = (select oid from pg_namespace where nspname = current_schema())
         and p.proname in ('ledger_ts', 'ledger_spend_json', 'ledger_lock_spend', 'ledger_adjust_windows',
                           'ledger_expire_principal', 'upsert_principal', 'reserve_spend', 'mark_signed',
                           'settle_spend', 'release_spend', 'mark_unknown', 'get_spend', 'list_spend',
                           'budget_status', 'pending_outcomes', 'expire_reservations')
    loop
      execute format('revoke execute on function %s from public, anon, authenticated', f);
      execute format('grant execute on function %s to service_role', f);
    end loop;
    revoke all on table principals, budget_windows, spend_events from anon, authenticated;
    alter table principals enable row level security;
    alter table budget_windows enable row level security;
    alter table spend_events enable row level security;
  end if;
end $$;
