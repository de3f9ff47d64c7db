-- reserved | signed | unknown -> released: nothing was (or can any longer be) paid; the hold is given back and
-- the release receipt is written in the same transaction. Replay-safe on released/expired rows (no second
-- receipt); refused on settled ones.
create or replace function release_spend(p_id bigint, p_outcome_code text, p_body_hash text default null)
returns jsonb
language plpgsql set search_path from current as $$
declare
  e spend_events;
begin
  e := ledger_lock_spend(p_id);
  if e.id is null then
    return jsonb_build_object('ok', false, 'reason', 'not_found');
  end if;
  if e.status in ('released', 'expired') then
    return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
  end if;
  if e.status not in ('reserved', 'signed', 'unknown') then
    return jsonb_build_object('ok', false, 'reason', 'invalid_transition', 'status', e.status);
  end if;
  perform ledger_adjust_windows(e.principal, e.month_window, e.day_window, -e.amount, 0);
  update spend_events set status = 'released', outcome_code = p_outcome_code, updated_at = now()
   where id = p_id returning * into e;
  perform audit_enqueue_spend(e, 'release', p_body_hash);
  return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
end $$;
