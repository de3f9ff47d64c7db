-- Every Pag0 process that can sign payments holds a lease here and renews it by heartbeat (instance_heartbeat).
-- A signed spend row names its instance (spend_events.signed_by): while that lease is fresh the payment may still
-- be in flight in a live process; once it lapses (the process died) or is gone (it stopped), nobody is finishing
-- the payment, and the reconciler decides it from chain state at once instead of after the signed grace.
-- Times are the database's clock only, so instances need not agree on theirs.
create table if not exists instances (
  id          text        primary key check (id <> ''),
  started_at  timestamptz not null default now(),
  lease_until timestamptz not null
);
