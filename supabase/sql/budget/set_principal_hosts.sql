-- Sets a principal's own host allow and block lists (operators only, via `pag0 policy set`; no tool reaches this).
-- p_allowed_hosts / p_blocked_hosts: jsonb arrays of host patterns (exact or `*.example.com`), already validated;
-- [] clears a list, null leaves it as it is. They apply on top of the server-wide lists. Returns the principal's
-- listing, or null for an unknown principal.
create or replace function set_principal_hosts(
  p_principal text, p_allowed_hosts jsonb default null, p_blocked_hosts jsonb default null
) returns jsonb
language plpgsql set search_path from current as $$
declare
  p principals;
begin
  if (p_allowed_hosts is not null and jsonb_typeof(p_allowed_hosts) <> 'array')
     or (p_blocked_hosts is not null and jsonb_typeof(p_blocked_hosts) <> 'array') then
    raise exception 'set_principal_hosts: host lists are jsonb arrays' using errcode = '22023';
  end if;
  update principals
     set allowed_hosts = case when p_allowed_hosts is null then allowed_hosts
                              else array(select lower(jsonb_array_elements_text(p_allowed_hosts))) end,
         blocked_hosts = case when p_blocked_hosts is null then blocked_hosts
                              else array(select lower(jsonb_array_elements_text(p_blocked_hosts))) end,
         updated_at = now()
   where id = p_principal
  returning * into p;
  if not found then
    return null;
  end if;
  return jsonb_build_object('principal', p.id, 'per_request', p.per_request_limit::text,
                            'daily', p.daily_limit::text, 'monthly', p.monthly_limit::text,
                            'allowed_hosts', to_jsonb(p.allowed_hosts), 'blocked_hosts', to_jsonb(p.blocked_hosts));
end $$;
