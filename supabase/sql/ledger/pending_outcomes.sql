-- What the reconciler must decide from chain state: every unknown row, and signed rows nobody is finishing any
-- more. A signed row is left alone while its caller may still be finishing it: while its signing instance's lease
-- is fresh (instances), or, for a row that names no instance, until it was last touched before p_signed_before.
-- Once the signer's lease has lapsed or is gone (it died or stopped), the row is due at once. Oldest first, at most
-- p_limit. With nothing signed or unknown, this reads only the empty partial index spend_events_pending_idx.
create or replace function pending_outcomes(p_signed_before timestamptz, p_limit integer default 1000) returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(ledger_spend_json(e) order by e.updated_at, e.id), '[]'::jsonb)
    from (select * from spend_events s
           where s.status = 'unknown'
              or (s.status = 'signed'
                  and (s.updated_at < p_signed_before
                       or (s.signed_by is not null
                           and not exists (select 1 from instances i
                                            where i.id = s.signed_by and i.lease_until > now()))))
           order by s.updated_at, s.id
           limit greatest(coalesce(p_limit, 1000), 1)) e
$$;
