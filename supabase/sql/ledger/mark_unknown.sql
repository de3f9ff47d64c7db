-- reserved | signed -> unknown: the amount stays held until the reconciler settles or releases it.
create or replace function mark_unknown(p_id bigint, p_outcome_code text) returns jsonb
language plpgsql set search_path from current as $$
declare
  e spend_events;
begin
  e := ledger_lock_spend(p_id);
  if e.id is null then
    return jsonb_build_object('ok', false, 'reason', 'not_found');
  end if;
  if e.status = 'unknown' then
    return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
  end if;
  if e.status not in ('reserved', 'signed') then
    return jsonb_build_object('ok', false, 'reason', 'invalid_transition', 'status', e.status);
  end if;
  update spend_events set status = 'unknown', outcome_code = p_outcome_code, updated_at = now()
   where id = p_id returning * into e;
  return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
end $$;
