-- Savings are written behind the response (src/ledger/savingsWriter.ts): many cache hits in one round trip.
-- Each element is recorded exactly as record_cache_hit records it (replay-safe per idempotency key); the answer is
-- how many new rows were written.
create or replace function record_cache_hits(p_hits jsonb) returns jsonb
language plpgsql set search_path from current as $$
declare
  h jsonb;
  r jsonb;
  v_written integer := 0;
begin
  if jsonb_typeof(p_hits) is distinct from 'array' then
    raise exception 'record_cache_hits: p_hits must be a json array' using errcode = '22023';
  end if;
  for h in select * from jsonb_array_elements(p_hits) loop
    r := record_cache_hit(
      p_principal => h->>'principal', p_idempotency_key => h->>'idempotency_key',
      p_request_hash => h->>'request_hash', p_method => h->>'method', p_url => h->>'url', p_host => h->>'host',
      p_quote => h->'quote', p_saved => (h->>'saved')::bigint, p_cached_from => (h->>'cached_from')::bigint,
      p_now => coalesce((h->>'now')::timestamptz, now()));
    if (r->>'ok')::boolean and not (r->>'replayed')::boolean then
      v_written := v_written + 1;
    end if;
  end loop;
  return jsonb_build_object('written', v_written);
end $$;
