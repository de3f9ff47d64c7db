-- What the reconciler must decide from chain state: signed rows last touched before p_signed_before (their
-- caller may still be finishing) and every unknown row. Oldest first, at most p_limit.
create or replace function pending_outcomes(p_signed_before timestamptz, p_limit integer default 1000) returns jsonb
language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(ledger_spend_json(e) order by e.updated_at, e.id), '[]'::jsonb)
    from (select * from spend_events
           where (status = 'signed' and updated_at < p_signed_before) or status = 'unknown'
           order by updated_at, id
           limit greatest(coalesce(p_limit, 1000), 1)) e
$$;
