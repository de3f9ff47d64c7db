-- Audit state of ledger rows and denials (comma-separated receipt ids: a row's id or `d<entry>`), from each one's
-- latest receipt: none | queued | submitted | anchored, with the batch and the transaction that anchored it.
create or replace function audit_status(p_receipt_ids text) returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'receipt_id', ids.id,
           'status', case when o.id is null then 'none'
                          when b.status = 'confirmed' then 'anchored'
                          when b.status = 'submitted' then 'submitted'
                          else 'queued' end,
           'batch_id', o.batch_id::text,
           'anchor_tx', case when b.status = 'confirmed' then b.tx_hash end)), '[]'::jsonb)
    from (select distinct unnest(string_to_array(nullif(p_receipt_ids, ''), ',')) as id) ids
    left join lateral (select x.id, x.batch_id from audit_outbox x
                        where x.spend_id = case when ids.id ~ '^\d{1,18}$' then ids.id::bigint end
                           or (x.id = case when ids.id ~ '^d\d{1,18}$' then substr(ids.id, 2)::bigint end
                               and x.kind = 'denial')
                        order by x.id desc limit 1) o on true
    left join audit_batches b on b.batch_id = o.batch_id
$$;
