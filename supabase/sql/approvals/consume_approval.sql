-- Spends an approval on the quote it was given for: approved -> used, exactly once.
create or replace function consume_approval(p_principal text, p_idempotency_key text, p_quote_hash text) returns jsonb
language plpgsql set search_path from current as $$
declare
  a approvals;
begin
  update approvals set status = 'used'
   where principal = p_principal and idempotency_key = p_idempotency_key and quote_hash = p_quote_hash
     and status = 'approved'
  returning * into a;
  if found then
    return jsonb_build_object('status', 'approved');
  end if;
  select * into a from approvals
   where principal = p_principal and idempotency_key = p_idempotency_key and quote_hash = p_quote_hash;
  return jsonb_build_object('status', coalesce(a.status, 'none'), 'id', a.id);
end $$;
