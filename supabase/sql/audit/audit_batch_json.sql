create or replace function audit_batch_json(b audit_batches) returns jsonb
language sql stable set search_path from current as $$
  select jsonb_build_object(
    'batch_id', b.batch_id::text, 'chain_id', b.chain_id::text, 'contract', b.contract, 'agent_id', b.agent_id::text,
    'from_seq', b.from_seq::text, 'to_seq', b.to_seq::text, 'leaf_count', b.leaf_count, 'root', b.root,
    'status', b.status, 'nonce', b.nonce::text, 'tx_hash', b.tx_hash, 'raw_tx', b.raw_tx,
    'gas_price', b.gas_price::text, 'attempts', b.attempts, 'block_number', b.block_number::text,
    'gas_used', b.gas_used::text, 'last_error', b.last_error, 'created_at', ledger_ts(b.created_at),
    'submitted_at', ledger_ts(b.submitted_at), 'confirmed_at', ledger_ts(b.confirmed_at))
$$;
