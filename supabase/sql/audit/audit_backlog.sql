-- How far anchoring lags: queued (unsealed) receipts, unanchored ones (queued or in an unconfirmed batch), the
-- creation time of the oldest unanchored receipt, and the last confirmed batch.
create or replace function audit_backlog() returns jsonb
language sql stable set search_path from current as $$
  select jsonb_build_object(
    'queued', (select count(*) from audit_outbox where seq is null),
    'unanchored', (select count(*) from audit_outbox where seq is null)
                  + (select coalesce(sum(leaf_count), 0) from audit_batches where status <> 'confirmed'),
    'oldest_unanchored_at', ledger_ts(least(
       (select created_at from audit_outbox where seq is null order by id limit 1),
       (select min(o.created_at) from audit_outbox o
         where o.batch_id in (select batch_id from audit_batches where status <> 'confirmed')))),
    'last_confirmed', (select audit_batch_json(b) from audit_batches b where b.status = 'confirmed'
                        order by b.batch_id desc limit 1),
    'open_batches', (select count(*) from audit_batches where status <> 'confirmed'))
$$;
