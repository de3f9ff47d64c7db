-- The receipts of one ledger row (p_receipt_id) or the one with a receipt hash, oldest first, with their batch.
create or replace function audit_receipts(p_receipt_id bigint default null, p_receipt_hash text default null)
returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'entry', o.id::text, 'kind', o.kind, 'receipt', o.receipt, 'created_at', ledger_ts(o.created_at),
           'seq', o.seq::text, 'receipt_hash', o.receipt_hash, 'leaf_hash', o.leaf_hash,
           'batch', case when b.batch_id is null then null else audit_batch_json(b) end) order by o.id), '[]'::jsonb)
    from audit_outbox o left join audit_batches b on b.batch_id = o.batch_id
   where (p_receipt_id is not null and o.spend_id = p_receipt_id)
      or (p_receipt_hash is not null and o.receipt_hash = lower(p_receipt_hash))
$$;
