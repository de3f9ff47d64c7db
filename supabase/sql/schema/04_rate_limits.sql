-- HTTP rate limits shared by every `pag0 http` instance on this database (used when no Redis is configured).
-- One row per key (an API key's id, or the keyless local principal): the hits of its current fixed window. A new
-- window overwrites the row, so old windows need no cleanup, and the table holds one row per key ever limited.
create table if not exists rate_limits (
  key        text        primary key,
  window_end timestamptz not null,
  hits       integer     not null check (hits > 0)
);
