-- Write-ahead: the signed transaction (and its nonce) is recorded before it is broadcast. Also records a
-- replacement (same batch, new tx). Returns the batch, or null if it is not open.
create or replace function audit_mark_submitted(
  p_batch_id bigint, p_nonce bigint, p_tx_hash text, p_raw_tx text, p_gas_price numeric
) returns jsonb
language plpgsql set search_path from current as $$
declare
  b audit_batches;
begin
  update audit_batches
     set status = 'submitted', nonce = p_nonce, tx_hash = p_tx_hash, raw_tx = p_raw_tx, gas_price = p_gas_price,
         attempts = attempts + 1, submitted_at = now(), last_error = null
   where batch_id = p_batch_id and status in ('built', 'submitted')
  returning * into b;
  return case when b.batch_id is null then null else audit_batch_json(b) end;
end $$;
