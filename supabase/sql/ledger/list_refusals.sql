-- list_spend(p_status => 'refused'): the receipts of refused calls (policy, budget or approval denials of a quote:
-- nothing reserved, nothing signed), newest first, keyset-paginated on (created_at desc, outbox id desc) with the
-- same cursor form as list_spend. Items have list_spend's keys; id is the receipt id `d<entry>`, amount the quoted
-- price that was refused, outcome_code the error code the call got. totals.spent and saved are 0: nothing moved.
create or replace function list_refusals(
  p_principal text, p_since timestamptz, p_until timestamptz, p_host text, p_limit integer, p_cursor text
) returns jsonb
language plpgsql stable set search_path from current as $$
declare
  v_limit integer := least(greatest(coalesce(p_limit, 50), 1), 100);
  v_after_at timestamptz := split_part(p_cursor, '|', 1)::timestamptz;
  v_after_id bigint := split_part(p_cursor, '|', 2)::bigint;
  v_items jsonb;
  v_rows integer;
  v_last text;
  v_count bigint;
begin
  select count(*) into v_count
    from audit_outbox o
   where o.kind = 'denial'
     and (p_principal is null or o.receipt ->> 'principal' = p_principal)
     and (p_since is null or o.created_at >= p_since)
     and (p_until is null or o.created_at < p_until)
     and (p_host is null or o.host = lower(p_host));

  select coalesce(jsonb_agg(page.item order by page.rn) filter (where page.rn <= v_limit), '[]'::jsonb),
         count(*),
         max(ledger_ts(page.created_at) || '|' || page.id) filter (where page.rn = v_limit)
    into v_items, v_rows, v_last
    from (select jsonb_build_object(
                   'id', 'd' || o.id, 'principal', o.receipt ->> 'principal', 'status', 'refused',
                   'amount', o.receipt #>> '{quote,amount}', 'method', o.receipt #>> '{request,method}',
                   'url', o.receipt #>> '{request,url}', 'host', coalesce(o.host, ''),
                   'request_hash', o.receipt #>> '{request,requestHash}',
                   'quote', (o.receipt -> 'quote') - 'amount' - 'authorizationNonce',
                   'tx_hash', null, 'outcome_code', o.receipt ->> 'code', 'created_at', ledger_ts(o.created_at),
                   'cached', false, 'saved', '0') as item,
                 o.created_at, o.id, row_number() over (order by o.created_at desc, o.id desc) as rn
            from (select * from audit_outbox o
                   where o.kind = 'denial'
                     and (p_principal is null or o.receipt ->> 'principal' = p_principal)
                     and (p_since is null or o.created_at >= p_since)
                     and (p_until is null or o.created_at < p_until)
                     and (p_host is null or o.host = lower(p_host))
                     and (v_after_at is null or (o.created_at, o.id) < (v_after_at, v_after_id))
                   order by o.created_at desc, o.id desc
                   limit v_limit + 1) o) page;

  return jsonb_build_object(
    'items', v_items,
    'next_cursor', case when v_rows > v_limit then v_last end,
    'totals', jsonb_build_object('spent', '0', 'count', v_count, 'saved', '0'));
end $$;
