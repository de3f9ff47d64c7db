-- The human's decision (operators only: CLI or operator-authenticated HTTP; never a tool).
create or replace function decide_approval(p_id text, p_approve boolean) returns jsonb
language plpgsql set search_path from current as $$
declare
  a approvals;
begin
  update approvals set status = case when p_approve then 'approved' else 'denied' end, decided_at = now()
   where id = p_id and status = 'pending' and expires_at > now()
  returning * into a;
  if not found then
    select * into a from approvals where id = p_id;
    return jsonb_build_object('ok', false, 'status', a.status);
  end if;
  return jsonb_build_object('ok', true, 'status', a.status);
end $$;
