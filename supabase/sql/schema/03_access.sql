-- Principals for remote agents: API keys, the wallet-wide budget that every reservation must also fit, and
-- human approvals of large payments.

-- One wallet pays for all principals: its day and month limits hold across all of them. No row = no wallet limit.
create table if not exists wallet_limits (
  id            text        primary key check (id = 'wallet'),
  daily_limit   bigint      not null check (daily_limit >= 0),
  monthly_limit bigint      not null check (monthly_limit >= 0),
  updated_at    timestamptz not null default now()
);

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
