-- Newest first, keyset-paginated on (created_at desc, id desc). p_since is inclusive, p_until exclusive.
-- The cursor is opaque to callers ("<created_at UTC ISO>|<id>" of the last row of the previous page).
-- totals cover the whole filter, not the page: count of rows, spent = sum of settled amounts, and saved = what
-- cache hits saved. p_status 'refused' lists the receipts of refused calls instead (list_refusals); every other
-- listing, the default included, is of ledger rows only: refusals moved no money.
create or replace function list_spend(
  p_principal text default null, p_since timestamptz default null, p_until timestamptz default null,
  p_host text default null, p_status text default null, p_limit integer default 50, p_cursor text default null
) returns jsonb
language plpgsql stable set search_path from current as $$
declare
  v_limit integer := least(greatest(coalesce(p_limit, 50), 1), 100);
  v_after_at timestamptz;
  v_after_id bigint;
  v_items jsonb;
  v_rows integer;
  v_last text;
  v_count bigint;
  v_spent bigint;
  v_saved bigint;
begin
  if p_cursor is not null then
    if p_cursor !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\|\d+$' then
      raise exception 'list_spend: invalid cursor' using errcode = '22023';
    end if;
    v_after_at := split_part(p_cursor, '|', 1)::timestamptz;
    v_after_id := split_part(p_cursor, '|', 2)::bigint;
  end if;
  if p_status = 'refused' then
    return list_refusals(p_principal, p_since, p_until, p_host, p_limit, p_cursor);
  end if;

  select count(*), coalesce(sum(e.amount) filter (where e.status = 'settled'), 0), coalesce(sum(e.saved), 0)
    into v_count, v_spent, v_saved
    from spend_events e
   where (p_principal is null or e.principal = p_principal)
     and (p_since is null or e.created_at >= p_since)
     and (p_until is null or e.created_at < p_until)
     and (p_host is null or e.host = p_host)
     and (p_status is null or e.status = p_status);

  select coalesce(jsonb_agg(page.item order by page.rn) filter (where page.rn <= v_limit), '[]'::jsonb),
         count(*),
         max(ledger_ts(page.created_at) || '|' || page.id) filter (where page.rn = v_limit)
    into v_items, v_rows, v_last
    from (select ledger_spend_json(e) as item, e.created_at, e.id,
                 row_number() over (order by e.created_at desc, e.id desc) as rn
            from (select * from spend_events e
                   where (p_principal is null or e.principal = p_principal)
                     and (p_since is null or e.created_at >= p_since)
                     and (p_until is null or e.created_at < p_until)
                     and (p_host is null or e.host = p_host)
                     and (p_status is null or e.status = p_status)
                     and (v_after_at is null or (e.created_at, e.id) < (v_after_at, v_after_id))
                   order by e.created_at desc, e.id desc
                   limit v_limit + 1) e) page;

  return jsonb_build_object(
    'items', v_items,
    'next_cursor', case when v_rows > v_limit then v_last end,
    'totals', jsonb_build_object('spent', v_spent::text, 'count', v_count, 'saved', v_saved::text));
end $$;
