-- Seals a batch: assigns seq fromSeq.. to the given entries in order, with their receipt and leaf hashes, and
-- records the batch as built. p_batch: {batchId, fromSeq, root, chainId, contract, agentId, leaves: [{entry,
-- receiptHash, leafHash}]}. Refused (nothing changes) unless batchId and fromSeq follow the last batch exactly, no batch is
-- in flight, and every entry is still unsealed: two anchorers can never seal the same receipt or leave a gap.
create or replace function audit_create_batch(p_batch jsonb) returns jsonb
language plpgsql set search_path from current as $$
declare
  v_last_batch bigint;
  v_last_seq bigint;
  v_contract text;
  v_count integer := jsonb_array_length(p_batch -> 'leaves');
  v_from bigint := (p_batch ->> 'fromSeq')::bigint;
  b audit_batches;
  n integer;
begin
  if v_count is null or v_count = 0 or coalesce(p_batch ->> 'root', '') = '' then
    raise exception 'audit_create_batch: a batch needs a root and at least one leaf' using errcode = '22023';
  end if;
  -- serialises sealing across sessions; the checks below make a stale sealer fail instead of forking the log
  perform pg_advisory_xact_lock(7061673001);
  select coalesce(max(batch_id), 0), coalesce(max(to_seq), 0) into v_last_batch, v_last_seq from audit_batches;
  if exists (select 1 from audit_batches where status <> 'confirmed') then
    return jsonb_build_object('ok', false, 'reason', 'in_flight');
  end if;
  select contract into v_contract from audit_batches order by batch_id desc limit 1;
  if v_contract is not null and lower(v_contract) <> lower(p_batch ->> 'contract') then
    return jsonb_build_object('ok', false, 'reason', 'contract_mismatch', 'contract', v_contract);
  end if;
  if (p_batch ->> 'batchId')::bigint <> v_last_batch + 1 or v_from <> v_last_seq + 1 then
    return jsonb_build_object('ok', false, 'reason', 'stale', 'last_batch_id', v_last_batch::text,
                              'last_seq', v_last_seq::text);
  end if;
  insert into audit_batches (batch_id, chain_id, contract, agent_id, from_seq, to_seq, leaf_count, root, status)
  values (v_last_batch + 1, (p_batch ->> 'chainId')::bigint, p_batch ->> 'contract', (p_batch ->> 'agentId')::numeric,
          v_from, v_from + v_count - 1, v_count, p_batch ->> 'root', 'built')
  returning * into b;
  update audit_outbox o
     set seq = v_from + l.ord - 1, batch_id = b.batch_id,
         receipt_hash = l.v ->> 'receiptHash', leaf_hash = l.v ->> 'leafHash'
    from jsonb_array_elements(p_batch -> 'leaves') with ordinality as l(v, ord)
   where o.id = (l.v ->> 'entry')::bigint and o.seq is null;
  get diagnostics n = row_count;
  if n <> v_count then
    raise exception 'audit_create_batch: % of % receipts are unknown or already sealed', v_count - n, v_count
      using errcode = '40001';
  end if;
  return jsonb_build_object('ok', true, 'batch', audit_batch_json(b));
end $$;
