-- Which of the given transaction hashes (comma-separated) a settlement receipt names, lower-cased.
create or replace function audit_settled_tx_hashes(p_tx_hashes text) returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(distinct lower(o.receipt #>> '{settlement,txHash}')), '[]'::jsonb)
    from audit_outbox o
   where o.kind = 'settlement'
     and lower(o.receipt #>> '{settlement,txHash}')
         = any (string_to_array(lower(coalesce(p_tx_hashes, '')), ','))
$$;
