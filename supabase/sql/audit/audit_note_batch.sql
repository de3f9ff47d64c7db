-- Back to built (its nonce was taken by another transaction: sign again), or just note why it is stuck.
create or replace function audit_note_batch(p_batch_id bigint, p_error text, p_rebuild boolean default false)
returns jsonb
language plpgsql set search_path from current as $$
declare
  b audit_batches;
begin
  update audit_batches
     set last_error = left(p_error, 500), status = case when p_rebuild then 'built' else status end
   where batch_id = p_batch_id and status <> 'confirmed'
  returning * into b;
  return case when b.batch_id is null then null else audit_batch_json(b) end;
end $$;
