import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const KEY = /^pag0_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

/** A new API key: shown once to the operator; only its HMAC is stored. */
export function newApiKey(): { id: string; key: string } {
  const id = randomBytes(8).toString("hex").slice(0, 10);
  return { id, key: `pag0_${id}_${randomBytes(32).toString("base64url")}` };
}

/** HMAC-SHA256 of the whole key under the deployment's salt; a stolen table gives no keys. */
export function hashApiKey(key: string, salt: string): string {
  return createHmac("sha256", salt).update(key).digest("hex");
}

/** True for something shaped like a Pag0 key (checked before any database lookup). */
export const looksLikeApiKey = (key: string): boolean => KEY.test(key);

/**
 * The HMAC salt: API_KEY_SALT where instances share a database, else a secret generated once in the data dir
 * (readable by its owner only).
 */
export function apiKeySalt(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, "api-key-salt");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { flag: "wx", mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, "utf8").trim();
}
