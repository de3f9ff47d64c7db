import { createHash } from "node:crypto";
import { redactUrl } from "../redact.js";

export interface RequestCommitment {
  method: string;
  /** the URL the tool fetched, query secrets redacted */
  url: string;
  /** sha256 hex of the request body ("" when there is none) */
  bodyHash: string;
  /** sha256 hex of method, full URL and body hash: binds an idempotency key to one request; in every receipt */
  requestHash: string;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** The sha256 hex of a request body, as receipts and reservations commit to it. */
export const bodyHashOf = (body: string | undefined): string => sha256(body ?? "");

/** What the ledger and the audit receipts record of a request: enough to prove it, nothing secret. */
export function requestCommitment(request: { method: string; url: URL; body: string | undefined }): RequestCommitment {
  const bodyHash = bodyHashOf(request.body);
  return {
    method: request.method,
    url: redactUrl(request.url),
    bodyHash,
    requestHash: sha256(`${request.method} ${request.url.href}\n${bodyHash}`),
  };
}
