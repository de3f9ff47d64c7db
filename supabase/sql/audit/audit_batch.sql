-- One batch and its leaf hashes in sequence order (what a proof is built from), or null. With p_receipts, also
-- its receipts in sequence order (what the per-receipt events are made of).
create or replace function audit_batch(p_batch_id bigint, p_receipts boolean default false) returns jsonb
language sql stable set search_path from current as $$
  select jsonb_build_object(
           'batch', audit_batch_json(b),
           'leaves', coalesce((select jsonb_agg(o.leaf_hash order by o.seq) from audit_outbox o
                                where o.batch_id = b.batch_id), '[]'::jsonb),
           'receipts', case when p_receipts then
             coalesce((select jsonb_agg(jsonb_build_object('entry', o.id::text, 'receipt', o.receipt,
                                                           'receipt_hash', o.receipt_hash) order by o.seq)
                         from audit_outbox o where o.batch_id = b.batch_id), '[]'::jsonb) end)
    from audit_batches b where b.batch_id = p_batch_id
$$;
