import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { InstanceStore, Signer } from "../ledger/instanceStore.js";
import { backgroundJob } from "./backgroundJob.js";

/** How often an instance renews its lease. */
export const LEASE_HEARTBEAT_MS = 2_000;
/**
 * How long a lease lasts: four heartbeats, so a slow or missed one or two never lapse a live instance, while a
 * killed one's signed rows are due to the reconciler within 8 s (plus its interval).
 */
export const LEASE_TTL_SECONDS = 8;
/** After this many failed heartbeats in a row, warn again (once a minute at the default interval). */
const WARN_EVERY = 30;

export interface InstanceLease {
  /** this process's instance id and lease length: what `markSigned` records and renews */
  readonly signer: Signer;
  /** Heartbeats in the background; the first right away. */
  start(): void;
  /** Stops heartbeating and gives the lease up, so the rows this process left signed are decided at once. */
  stop(): Promise<void>;
}

export interface InstanceLeaseOptions {
  store: InstanceStore;
  log: Logger;
  id?: string;
  heartbeatMs?: number;
  ttlSeconds?: number;
  /** give the lease up at stop (default true); else it lapses after its ttl */
  releaseOnStop?: boolean;
}

/**
 * This process's lease in the ledger: while it is fresh, the reconciler (in any instance) leaves the payments this
 * process signed to it; once it lapses (kill -9, a lost machine) they are decided from chain state in seconds.
 * The heartbeat is off the response path and never throws: with the ledger down it warns and keeps trying (paid
 * calls are refused then anyway, and `markSigned` renews the lease itself).
 */
export function instanceLease(options: InstanceLeaseOptions): InstanceLease {
  const signer: Signer = {
    instance: options.id ?? randomUUID(),
    leaseSeconds: options.ttlSeconds ?? LEASE_TTL_SECONDS,
  };
  const every = options.heartbeatMs ?? LEASE_HEARTBEAT_MS;
  const log = options.log;
  let beating = false;
  let held = false; // a lease to give up at stop: never opens the ledger just to release nothing
  const job = backgroundJob({
    async run() {
      await options.store.instanceHeartbeat(signer.instance, signer.leaseSeconds);
      if (!beating) log.info({ instance: signer.instance, ttlSeconds: signer.leaseSeconds }, "instance lease held");
      beating = true;
      held = true;
      return every;
    },
    onError(err, failures) {
      if (failures === 1 || failures % WARN_EVERY === 0) {
        log.warn({ err, instance: signer.instance, failures }, "instance lease: heartbeat failed, retrying");
      }
      beating = false;
      return every;
    },
    async onStop() {
      if (!held || options.releaseOnStop === false) return;
      await options.store
        .instanceRelease(signer.instance)
        .catch((err) => log.warn({ err, instance: signer.instance }, "instance lease: release failed; it lapses"));
    },
  });
  return { signer, start: () => job.start(), stop: () => job.stop() };
}
