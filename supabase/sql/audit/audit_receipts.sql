-- The receipts of one ledger row (p_receipt_id: its id) or of one denial (p_receipt_id: `d<entry>`), or the one with
-- a receipt hash, oldest first, with their batch.
create or replace function audit_receipts(p_receipt_id text default null, p_receipt_hash text default null)
returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'entry', o.id::text, 'kind', o.kind, 'receipt', o.receipt, 'created_at', ledger_ts(o.created_at),
           'seq', o.seq::text, 'receipt_hash', o.receipt_hash, 'leaf_hash', o.leaf_hash,
           'batch', case when b.batch_id is null then null else audit_batch_json(b) end) order by o.id), '[]'::jsonb)
    from audit_outbox o left join audit_batches b on b.batch_id = o.batch_id
   -- case, not and: the casts must not run on the other id form
   where o.spend_id = case when p_receipt_id ~ '^\d{1,18}$' then p_receipt_id::bigint end
      or (o.id = case when p_receipt_id ~ '^d\d{1,18}$' then substr(p_receipt_id, 2)::bigint end
          and o.kind = 'denial')
      or (p_receipt_hash is not null and o.receipt_hash = lower(p_receipt_hash))
$$;
