-- What reserve_spend answers for e, the row already under its idempotency key (all nulls when there is none),
-- or null when it may go on and reserve. Called under the principal lock, so concurrent retries queue and then
-- see the first one's row:
--   * same key, different request_hash        -> idempotency_conflict
--   * same key, row expired, or released and no signed authorization of it can still move money
--     (never signed, or validBefore has passed)  -> null: the same row is reserved again (reserve_write)
--   * same key, any other status               -> replayed: the existing row, untouched
-- A released row whose signed authorization is still valid is replayed, not re-reserved: the payee may still
-- submit that signature, and signing a second one for the same key could pay twice.
create or replace function reserve_replay(e spend_events, p_request_hash text, p_now timestamptz) returns jsonb
language plpgsql stable set search_path from current as $$
begin
  if e.id is null then
    return null;
  end if;
  if e.request_hash <> p_request_hash then
    return jsonb_build_object('ok', false, 'reason', 'idempotency_conflict');
  end if;
  if e.status = 'expired'
     or (e.status = 'released'
         and (e."authorization" is null
              or (e."authorization" ->> 'validBefore')::numeric <= extract(epoch from p_now))) then
    return null;
  end if;
  return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
end $$;
