-- Appends one receipt. `entry` (the outbox id) is part of the receipt, so two receipts never hash alike.
-- receiptId is the ledger row's id, or `d<entry>` for a denial that has no row (the id the refused call returned).
create or replace function audit_enqueue(
  p_kind text, p_spend_id bigint, p_principal text, p_request jsonb, p_quote jsonb, p_policy jsonb,
  p_settlement jsonb, p_code text
) returns bigint
language plpgsql set search_path from current as $$
declare
  v_id bigint := nextval(pg_get_serial_sequence('audit_outbox', 'id'));
begin
  insert into audit_outbox (id, spend_id, kind, receipt)
  values (v_id, p_spend_id, p_kind, jsonb_build_object(
    'v', 1,
    'entry', v_id::text,
    'kind', p_kind,
    'receiptId', coalesce(p_spend_id::text, 'd' || v_id),
    'at', ledger_ts(now()),
    'principal', p_principal,
    'request', p_request,
    'quote', p_quote,
    'policy', p_policy,
    'settlement', p_settlement,
    'code', p_code));
  return v_id;
end $$;
