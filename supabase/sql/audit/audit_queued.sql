-- What the anchorer needs to seal the next batch: the head of the sealed sequence, the contract of the last
-- batch, whether a batch is still in flight, and the oldest queued receipts (at most p_limit).
create or replace function audit_queued(p_limit integer default 256) returns jsonb
language sql stable set search_path from current as $$
  select jsonb_build_object(
    'last_batch_id', coalesce((select max(batch_id) from audit_batches), 0)::text,
    'last_seq', coalesce((select max(to_seq) from audit_batches), 0)::text,
    'contract', (select contract from audit_batches order by batch_id desc limit 1),
    'in_flight', exists (select 1 from audit_batches where status <> 'confirmed'),
    'queued', (select count(*) from audit_outbox where seq is null),
    'oldest_at', (select ledger_ts(created_at) from audit_outbox where seq is null order by id limit 1),
    'entries', coalesce((select jsonb_agg(jsonb_build_object('entry', q.id::text, 'receipt', q.receipt) order by q.id)
                           from (select id, receipt from audit_outbox where seq is null order by id
                                  limit greatest(coalesce(p_limit, 256), 0)) q), '[]'::jsonb))
$$;
