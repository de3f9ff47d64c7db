-- reserved -> signed, before the authorization leaves the process. Signed rows never expire: only settle,
-- release or mark_unknown move them on. Replay-safe for the same nonce. The signed payment headers, when given,
-- are kept with it: a retry whose outcome is unknown sends those same bytes again instead of a new signature.
-- p_instance names the signing process (instances, 04_instances.sql), whose lease is renewed to at least
-- p_lease_seconds from now in the same transaction: a row is never signed by an instance whose lease has lapsed,
-- so the reconciler never takes a payment that its live signer is still finishing.
create or replace function mark_signed(
  p_id bigint, p_authorization jsonb, p_instance text default null, p_lease_seconds integer default null
) returns jsonb
language plpgsql set search_path from current as $$
declare
  e spend_events;
  v_auth jsonb;
begin
  if p_authorization is null or not (p_authorization ?& array['payer', 'nonce', 'validBefore'])
     or coalesce(p_authorization ->> 'nonce', '') = '' or coalesce(p_authorization ->> 'payer', '') = ''
     or (p_authorization ->> 'validBefore') !~ '^[0-9]+$' then
    raise exception 'mark_signed: authorization needs payer, nonce and a numeric validBefore' using errcode = '22023';
  end if;
  v_auth := jsonb_build_object('payer', p_authorization ->> 'payer', 'nonce', p_authorization ->> 'nonce',
                               'validBefore', p_authorization ->> 'validBefore')
            || case when jsonb_typeof(p_authorization -> 'paymentHeaders') = 'object'
                    then jsonb_build_object('paymentHeaders', p_authorization -> 'paymentHeaders')
                    else '{}'::jsonb end;
  e := ledger_lock_spend(p_id);
  if e.id is null then
    return jsonb_build_object('ok', false, 'reason', 'not_found');
  end if;
  if e.status = 'reserved' then
    if p_instance is not null then
      perform instance_heartbeat(p_instance, p_lease_seconds);
    end if;
    update spend_events set status = 'signed', "authorization" = v_auth, signed_by = p_instance, updated_at = now()
     where id = p_id returning * into e;
    return jsonb_build_object('ok', true, 'replayed', false, 'spend', ledger_spend_json(e));
  end if;
  if e.status in ('signed', 'unknown', 'settled') and e."authorization" ->> 'nonce' = v_auth ->> 'nonce' then
    return jsonb_build_object('ok', true, 'replayed', true, 'spend', ledger_spend_json(e));
  end if;
  return jsonb_build_object('ok', false, 'reason',
                            case when e.status = 'signed' then 'nonce_mismatch' else 'invalid_transition' end,
                            'status', e.status);
end $$;
