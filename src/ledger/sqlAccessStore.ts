import * as z from "zod";
import { Pag0Error } from "../errors.js";
import type { AccessStore, PrincipalListing } from "./accessStore.js";
import type { LedgerFunction, SqlArgs } from "./sqlClient.js";
import { atomic, instant } from "./sqlValues.js";

type Call = <S extends z.ZodType>(fn: LedgerFunction, args: SqlArgs, schema: S) => Promise<z.output<S>>;

const scopes = z.array(z.enum(["fetch", "read", "operator"]));
const approvalStatus = z.enum(["pending", "approved", "denied", "used", "none"]);

const keyRecord = z.object({ id: z.string(), principal: z.string(), scopes });
const keyListing = z
  .object({
    id: z.string(),
    principal: z.string(),
    scopes,
    label: z.string().nullable(),
    created_at: instant,
    revoked_at: instant.nullable(),
  })
  .transform(({ created_at, revoked_at, ...k }) => ({ ...k, createdAt: created_at, revokedAt: revoked_at }));
const principalListing = z
  .object({
    principal: z.string(),
    per_request: atomic,
    daily: atomic,
    monthly: atomic,
    allowed_hosts: z.array(z.string()).default([]),
    blocked_hosts: z.array(z.string()).default([]),
  })
  .transform(
    (p): PrincipalListing => ({
      principal: p.principal,
      limits: { perRequest: p.per_request, daily: p.daily, monthly: p.monthly },
      allowedHosts: p.allowed_hosts,
      blockedHosts: p.blocked_hosts,
    }),
  );
const approvalListing = z
  .object({
    id: z.string(),
    principal: z.string(),
    idempotency_key: z.string(),
    details: z.record(z.string(), z.unknown()),
    status: approvalStatus,
    created_at: instant,
    expires_at: instant,
  })
  .transform((a) => ({
    id: a.id,
    principal: a.principal,
    idempotencyKey: a.idempotency_key,
    details: a.details,
    status: a.status,
    createdAt: a.created_at,
    expiresAt: a.expires_at,
  }));

/** The AccessStore half of the ledger, over the same typed SQL call as the money functions. */
export function sqlAccessStore(call: Call): AccessStore {
  return {
    async setWalletLimits(limits) {
      await call("upsert_wallet_limits", { p_daily: limits.daily, p_monthly: limits.monthly }, z.unknown());
    },
    listPrincipals: () => call("list_principals", {}, z.array(principalListing)),
    async setPrincipalHosts(principal, hosts) {
      const args = { p_principal: principal, p_allowed_hosts: hosts.allowedHosts, p_blocked_hosts: hosts.blockedHosts };
      return (await call("set_principal_hosts", args, principalListing.nullable())) !== null;
    },
    async createApiKey(k) {
      const r = await call(
        "create_api_key",
        { p_id: k.id, p_principal: k.principal, p_key_hash: k.keyHash, p_scopes: k.scopes, p_label: k.label ?? null },
        z.object({ ok: z.boolean(), reason: z.string().optional() }),
      );
      if (r.reason === "duplicate") {
        throw new Pag0Error("INVALID_INPUT", `An API key with id ${k.id} or the same key hash exists already.`);
      }
      return r.ok;
    },
    verifyApiKey: (keyHash) => call("verify_api_key", { p_key_hash: keyHash }, keyRecord.nullable()),
    listApiKeys: () => call("list_api_keys", {}, z.array(keyListing)),
    async revokeApiKey(id) {
      return (await call("revoke_api_key", { p_id: id }, z.object({ ok: z.boolean() }))).ok;
    },
    async requestApproval(r) {
      const out = await call(
        "request_approval",
        {
          p_id: r.id,
          p_principal: r.principal,
          p_idempotency_key: r.idempotencyKey,
          p_quote_hash: r.quoteHash,
          p_details: r.details,
          p_ttl_seconds: r.ttlSeconds,
        },
        z.object({ id: z.string(), status: approvalStatus, expires_at: instant }),
      );
      return { id: out.id, status: out.status, expiresAt: out.expires_at };
    },
    decideApproval: (id, approve) =>
      call(
        "decide_approval",
        { p_id: id, p_approve: approve },
        z
          .object({ ok: z.boolean(), status: approvalStatus.nullable() })
          .transform((r) => ({ ok: r.ok, status: r.status ?? "none" })),
      ),
    async consumeApproval(principal, idempotencyKey, quoteHash) {
      const r = await call(
        "consume_approval",
        { p_principal: principal, p_idempotency_key: idempotencyKey, p_quote_hash: quoteHash },
        z.object({ status: approvalStatus }),
      );
      return r.status;
    },
    listApprovals: (status) => call("list_approvals", { p_status: status ?? null }, z.array(approvalListing)),
    async rateLimitHit(key, windowMs) {
      if (!Number.isSafeInteger(windowMs) || windowMs <= 0) throw new RangeError(`not a window: ${windowMs} ms`);
      const r = await call(
        "rate_limit_hit",
        { p_key: key, p_window_ms: windowMs },
        z.object({ count: z.number().int().positive(), reset_at: instant }),
      );
      return { count: r.count, resetAt: r.reset_at };
    },
  };
}
