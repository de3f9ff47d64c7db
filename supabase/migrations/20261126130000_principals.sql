-- Principals for remote agents: API keys, the wallet-wide budget that every reservation must also fit, and
-- human approvals of large payments. Forward only; runs unchanged on PGlite, Postgres 15+ and Supabase.

-- One wallet pays for all principals: its day and month limits hold across all of them. No row = no wallet limit.
create table if not exists wallet_limits (
  id            text        primary key check (id = 'wallet'),
  daily_limit   bigint      not null check (daily_limit >= 0),
  monthly_limit bigint      not null check (monthly_limit >= 0),
  updated_at    timestamptz not null default now()
);

create index if not exists budget_windows_wallet_idx on budget_windows (kind, window_start);

-- API keys: only an HMAC of the key is stored; the key itself is shown once, at creation.
create table if not exists api_keys (
  id           text        primary key,
  principal    text        not null references principals (id),
  key_hash     text        not null unique,
  scopes       text[]      not null check (scopes <@ array['fetch', 'read', 'operator']::text[] and cardinality(scopes) > 0),
  label        text,
  created_at   timestamptz not null default now(),
  revoked_at   timestamptz
);

-- A human's decision on one exact quote (bound by quote_hash), for one principal and idempotency key; single use.
create table if not exists approvals (
  id              text        primary key,
  principal       text        not null references principals (id),
  idempotency_key text        not null,
  quote_hash      text        not null,
  details         jsonb       not null,
  status          text        not null check (status in ('pending', 'approved', 'denied', 'used')),
  created_at      timestamptz not null default now(),
  decided_at      timestamptz,
  expires_at      timestamptz not null,
  unique (principal, idempotency_key, quote_hash)
);

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

create or replace function list_principals() returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'principal', p.id, 'per_request', p.per_request_limit::text,
           'daily', p.daily_limit::text, 'monthly', p.monthly_limit::text) order by p.id), '[]'::jsonb)
    from principals p
$$;

-- p_scopes is a jsonb array of strings: every driver passes jsonb alike, unlike text[].
create or replace function create_api_key(
  p_id text, p_principal text, p_key_hash text, p_scopes jsonb, p_label text default null
) returns jsonb
language plpgsql set search_path from current as $$
begin
  if not exists (select 1 from principals where id = p_principal) then
    return jsonb_build_object('ok', false, 'reason', 'unknown_principal');
  end if;
  insert into api_keys (id, principal, key_hash, scopes, label)
  values (p_id, p_principal, p_key_hash, array(select jsonb_array_elements_text(p_scopes)), p_label);
  return jsonb_build_object('ok', true, 'id', p_id);
end $$;

-- The principal and scopes behind a key hash, or null when it is unknown or revoked.
create or replace function verify_api_key(p_key_hash text) returns jsonb
language sql stable set search_path from current as $$
  select jsonb_build_object('id', k.id, 'principal', k.principal, 'scopes', to_jsonb(k.scopes))
    from api_keys k where k.key_hash = p_key_hash and k.revoked_at is null
$$;

create or replace function list_api_keys() returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', k.id, 'principal', k.principal, 'scopes', to_jsonb(k.scopes), 'label', k.label,
           'created_at', ledger_ts(k.created_at), 'revoked_at', ledger_ts(k.revoked_at)) order by k.created_at), '[]'::jsonb)
    from api_keys k
$$;

create or replace function revoke_api_key(p_id text) returns jsonb
language plpgsql set search_path from current as $$
begin
  update api_keys set revoked_at = coalesce(revoked_at, now()) where id = p_id;
  return jsonb_build_object('ok', found);
end $$;

-- Files (or finds) the approval request for this exact quote. A pending request expires after p_ttl_seconds.
create or replace function request_approval(
  p_id text, p_principal text, p_idempotency_key text, p_quote_hash text, p_details jsonb, p_ttl_seconds integer
) returns jsonb
language plpgsql set search_path from current as $$
declare
  a approvals;
begin
  insert into approvals (id, principal, idempotency_key, quote_hash, details, status, expires_at)
  values (p_id, p_principal, p_idempotency_key, p_quote_hash, p_details, 'pending',
          now() + make_interval(secs => p_ttl_seconds))
  on conflict (principal, idempotency_key, quote_hash) do nothing;
  select * into a from approvals
   where principal = p_principal and idempotency_key = p_idempotency_key and quote_hash = p_quote_hash for update;
  if a.status = 'pending' and a.expires_at <= now() then
    update approvals set id = p_id, status = 'pending', created_at = now(), decided_at = null,
                         expires_at = now() + make_interval(secs => p_ttl_seconds)
     where principal = p_principal and idempotency_key = p_idempotency_key and quote_hash = p_quote_hash
    returning * into a;
  end if;
  return jsonb_build_object('id', a.id, 'status', a.status, 'expires_at', ledger_ts(a.expires_at));
end $$;

-- The human's decision (operators only: CLI or operator-authenticated HTTP; never a tool).
create or replace function decide_approval(p_id text, p_approve boolean) returns jsonb
language plpgsql set search_path from current as $$
declare
  a approvals;
begin
  update approvals set status = case when p_approve then 'approved' else 'denied' end, decided_at = now()
   where id = p_id and status = 'pending' and expires_at > now()
  returning * into a;
  if not found then
    select * into a from approvals where id = p_id;
    return jsonb_build_object('ok', false, 'status', a.status);
  end if;
  return jsonb_build_object('ok', true, 'status', a.status);
end $$;

-- Spends an approval on the quote it was given for: approved -> used, exactly once.
create or replace function consume_approval(p_principal text, p_idempotency_key text, p_quote_hash text) returns jsonb
language plpgsql set search_path from current as $$
declare
  a approvals;
begin
  update approvals set status = 'used'
   where principal = p_principal and idempotency_key = p_idempotency_key and quote_hash = p_quote_hash
     and status = 'approved'
  returning * into a;
  if found then
    return jsonb_build_object('status', 'approved');
  end if;
  select * into a from approvals
   where principal = p_principal and idempotency_key = p_idempotency_key and quote_hash = p_quote_hash;
  return jsonb_build_object('status', coalesce(a.status, 'none'), 'id', a.id);
end $$;

create or replace function list_approvals(p_status text default null) returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', a.id, 'principal', a.principal, 'idempotency_key', a.idempotency_key, 'details', a.details,
           'status', a.status, 'created_at', ledger_ts(a.created_at), 'expires_at', ledger_ts(a.expires_at))
           order by a.created_at desc), '[]'::jsonb)
    from approvals a where p_status is null or a.status = p_status
$$;

-- The wallet-wide limits join the per-principal ones; everything else is as in the ledger migration.
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
  w wallet_limits;
  v_wallet_used bigint;
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

  -- The wallet-wide limits: one wallet pays for every principal. Reserves of all principals serialise on the
  -- wallet row; only reserves raise what windows hold, so the sums below cannot grow under us.
  select * into w from wallet_limits where id = 'wallet' for update;
  if found then
    select coalesce(sum(spent + reserved), 0) into v_wallet_used
      from budget_windows where kind = 'month' and window_start = v_month;
    if v_wallet_used + p_amount > w.monthly_limit then
      return jsonb_build_object('ok', false, 'reason', 'wallet_monthly_limit', 'limit', w.monthly_limit::text,
                                'spent', v_wallet_used::text, 'reserved', '0');
    end if;
    select coalesce(sum(spent + reserved), 0) into v_wallet_used
      from budget_windows where kind = 'day' and window_start = v_day;
    if v_wallet_used + p_amount > w.daily_limit then
      return jsonb_build_object('ok', false, 'reason', 'wallet_daily_limit', 'limit', w.daily_limit::text,
                                'spent', v_wallet_used::text, 'reserved', '0');
    end if;
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


do $$
declare
  f regprocedure;
begin
  if (select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role')) = 3 then
    for f in
      select p.oid::regprocedure
        from pg_proc p
       where p.pronamespace = (select oid from pg_namespace where nspname = current_schema())
         and p.proname in ('upsert_wallet_limits', 'list_principals', 'reserve_spend', 'create_api_key',
                           'verify_api_key', 'list_api_keys', 'revoke_api_key', 'request_approval',
                           'decide_approval', 'consume_approval', 'list_approvals')
    loop
      execute format('revoke execute on function %s from public, anon, authenticated', f);
      execute format('grant execute on function %s to service_role', f);
    end loop;
    revoke all on table wallet_limits, api_keys, approvals from anon, authenticated;
    alter table wallet_limits enable row level security;
    alter table api_keys enable row level security;
    alter table approvals enable row level security;
  end if;
end $$;
