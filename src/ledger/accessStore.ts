/**
 * Who may spend, and who said yes: API keys (stored as HMAC hashes), the wallet-wide limits, per-principal limits,
 * and human approvals of large payments. Same database as the money; part of the Ledger port.
 */
import type { HostLists } from "../policy/hostRules.js";
import type { BudgetLimits } from "./ledger.js";

export type Scope = "fetch" | "read" | "operator";

export interface ApiKeyRecord {
  id: string;
  principal: string;
  scopes: Scope[];
}

export interface ApiKeyListing extends ApiKeyRecord {
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface PrincipalListing extends HostLists {
  principal: string;
  limits: BudgetLimits;
}

export type ApprovalStatus = "pending" | "approved" | "denied" | "used" | "none";

export interface ApprovalListing {
  id: string;
  principal: string;
  idempotencyKey: string;
  details: Record<string, unknown>;
  status: ApprovalStatus;
  createdAt: Date;
  expiresAt: Date;
}

export interface AccessStore {
  setWalletLimits(limits: { daily: bigint; monthly: bigint }): Promise<void>;
  /** Every principal's limits and own host lists. */
  listPrincipals(): Promise<PrincipalListing[]>;
  /**
   * Set a principal's own host allow/block lists (patterns as in PAG0_ALLOWED_HOSTS); an omitted list is kept, an
   * empty one cleared. False for an unknown principal.
   */
  setPrincipalHosts(principal: string, hosts: Partial<HostLists>): Promise<boolean>;
  createApiKey(key: {
    id: string;
    principal: string;
    keyHash: string;
    scopes: Scope[];
    label?: string;
  }): Promise<boolean>;
  /** The live key behind this hash, or null (unknown or revoked). */
  verifyApiKey(keyHash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyListing[]>;
  revokeApiKey(id: string): Promise<boolean>;
  /** File (or find) the approval request for one exact quote; returns its id and status. */
  requestApproval(r: {
    id: string;
    principal: string;
    idempotencyKey: string;
    quoteHash: string;
    details: Record<string, unknown>;
    ttlSeconds: number;
  }): Promise<{ id: string; status: ApprovalStatus; expiresAt: Date }>;
  decideApproval(id: string, approve: boolean): Promise<{ ok: boolean; status: ApprovalStatus }>;
  /** approved → used, exactly once; otherwise the current status. */
  consumeApproval(principal: string, idempotencyKey: string, quoteHash: string): Promise<ApprovalStatus>;
  listApprovals(status?: ApprovalStatus): Promise<ApprovalListing[]>;
  /**
   * One hit for `key` (an HTTP rate limit): its count in the current fixed window, which starts at the key's first
   * hit and lasts `windowMs` on the database's clock, and when that window ends. Shared by every instance.
   */
  rateLimitHit(key: string, windowMs: number): Promise<{ count: number; resetAt: Date }>;
}
