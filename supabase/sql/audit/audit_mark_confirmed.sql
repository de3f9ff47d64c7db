-- The root is on chain (read from contract state). p_tx_hash: the transaction that anchored it, when known.
create or replace function audit_mark_confirmed(
  p_batch_id bigint, p_tx_hash text default null, p_block_number bigint default null, p_gas_used bigint default null
) returns jsonb
language plpgsql set search_path from current as $$
declare
  b audit_batches;
begin
  update audit_batches
     set status = 'confirmed', tx_hash = coalesce(p_tx_hash, tx_hash), block_number = p_block_number,
         gas_used = coalesce(p_gas_used, gas_used), confirmed_at = coalesce(confirmed_at, now()), last_error = null
   where batch_id = p_batch_id
  returning * into b;
  return case when b.batch_id is null then null else audit_batch_json(b) end;
end $$;
