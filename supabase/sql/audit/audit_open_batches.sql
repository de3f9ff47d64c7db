-- Batches not yet confirmed, oldest first (at most one in normal operation).
create or replace function audit_open_batches() returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(audit_batch_json(b) order by b.batch_id), '[]'::jsonb)
    from audit_batches b where b.status <> 'confirmed'
$$;
