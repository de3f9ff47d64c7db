-- Pag0 money ledger: budgets, reservations and spend, for every backend (PGlite, Postgres 15+, Supabase).
--
-- The money logic lives in the functions beside this folder, one per file. Every public function returns jsonb
-- (identical JSON on every driver: PGlite, postgres.js and PostgREST disagree about int8, date and json column
-- types) and is called by named arguments (`select reserve_spend(p_principal => $1, ...)`), which is how PostgREST
-- resolves /rpc/fn. Money is bigint atomic units (USDC has 6 decimals) and travels in jsonb as decimal strings,
-- never floats.
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
  -- host patterns (exact or `*.example.com`) on top of the server-wide lists; empty: no rule of its own
  allowed_hosts     text[]      not null default '{}',
  blocked_hosts     text[]      not null default '{}',
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

create index if not exists budget_windows_wallet_idx on budget_windows (kind, window_start);

-- A cache hit is recorded as a spend row that moved no money: status 'settled', amount 0, cached = true, and
-- `saved` = the price paid for the response originally (`cached_from`: the row of that payment, when this ledger
-- has it). Hits never touch budget_windows: budgets count money only. Every payment row has a positive amount;
-- only a cache hit costs nothing, and only a cache hit saves.
create table if not exists spend_events (
  id              bigint generated always as identity primary key,
  principal       text        not null references principals (id),
  idempotency_key text        not null check (idempotency_key <> ''),
  request_hash    text        not null,
  method          text        not null,
  url             text        not null,
  host            text        not null,
  amount          bigint      not null,
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
  cached          boolean     not null default false,
  saved           bigint      not null default 0,
  cached_from     bigint,
  -- the instance (04_instances.sql) that signed it: once that instance's lease lapses, the reconciler decides it
  signed_by       text,
  unique (principal, idempotency_key),
  check (status <> 'signed' or "authorization" is not null),
  constraint spend_events_amount_check check (amount > 0 or cached),
  constraint spend_events_cached_check
    check (saved >= 0 and (cached or saved = 0) and (not cached or (status = 'settled' and amount = 0)))
);

create index if not exists spend_events_list_idx on spend_events (created_at desc, id desc);
create index if not exists spend_events_principal_list_idx on spend_events (principal, created_at desc, id desc);
create index if not exists spend_events_open_idx on spend_events (principal, expires_at) where status = 'reserved';
create index if not exists spend_events_pending_idx on spend_events (updated_at, id) where status in ('signed', 'unknown');
create index if not exists spend_events_saved_idx on spend_events (principal, month_window, day_window) where cached;
