-- reserved | signed | unknown -> settled: the amount moves from reserved to spent in the row's own windows, and
-- the settlement receipt is written in the same transaction (audit/audit_enqueue_spend.sql).
-- Late settlement: a *released* row that carries an authorization (it was signed) may still settle, because
-- chain state is the truth and the money has left; its amount is counted as spent again, even above the limit,
-- and its outcome_code is kept as the trace of the earlier release. Expired rows were never signed: refused.
-- Replay-safe: settling a settled row again returns it, filling a missing tx_hash / response; a tx hash learnt
-- that way gets a receipt of its own, so every settlement transaction is in the audit log.
-- p_body_hash (sha256 hex of the request body) is known only to the calling process; a payment settled later by
-- the reconciler has none, and its receipt still commits to the body through requestHash.
create or replace function settle_spend(
  p_id bigint, p_tx_hash text default null, p_response jsonb default null, p_body_hash text default null
) returns jsonb
language plpgsql set search_path from current as $$
declare
  e spend_events;
begin
  e := ledger_lock_spend(p_id);
  if e.id is null then
    return jsonb_build_object('ok', false, 'reason', 'not_found');
  end if;
  if e.status = 'settled' then
    if p_tx_hash is not null and e.tx_hash is not null and p_tx_hash <> e.tx_hash then
      return jsonb_build_object('ok', false, 'reason', 'tx_hash_mismatch', 'status', e.status);
    end if;
    if (e.tx_hash is null and p_tx_hash is not null) or (e.response is null and p_response is not null) then
      if e.tx_hash is null and p_tx_hash is not null then
        update spend_events set tx_hash = p_tx_hash where id = p_id returning * into e;
        perform audit_enqueue_spend(e, 'settlement', p_body_hash);
      end if;
      update spend_events set response = coalesce(response, p_response), updated_at = now()
       where id = p_id returning * into e;
    end if;
    return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
  end if;
  if e.status in ('reserved', 'signed', 'unknown') then
    perform ledger_adjust_windows(e.principal, e.month_window, e.day_window, -e.amount, e.amount);
  elsif e.status = 'released' and e."authorization" is not null then
    perform ledger_adjust_windows(e.principal, e.month_window, e.day_window, 0, e.amount);
  else
    return jsonb_build_object('ok', false, 'reason', 'invalid_transition', 'status', e.status);
  end if;
  update spend_events set status = 'settled', tx_hash = p_tx_hash, response = p_response, updated_at = now()
   where id = p_id returning * into e;
  perform audit_enqueue_spend(e, 'settlement', p_body_hash);
  return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
end $$;
