import type { Logger } from "pino";
import { type PublicClient, parseAbi } from "viem";
import type { NetworkConfig } from "../config/loadConfig.js";
import { type BackgroundJob, backgroundJob } from "../jobs/backgroundJob.js";
import type { JobLock } from "../jobs/jobLock.js";
import type { Ledger, SpendRow } from "../ledger/ledger.js";

const eip3009Abi = parseAbi([
  "function authorizationState(address authorizer, bytes32 nonce) view returns (bool)",
  "event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)",
]);

export interface ReconcilerDeps {
  ledger: Ledger;
  networks: ReadonlyMap<string, NetworkConfig>;
  /** the chain client of a payment network (made by the app, once per network) */
  clientFor(network: NetworkConfig): PublicClient;
  log: Logger;
  /**
   * a signed row that names no signing instance (signed before instance leases existed) and is younger than this
   * may still be in flight; a row with a signer is left to it exactly while the signer's lease is fresh
   */
  signedGraceMs: number;
  /** wait this long past validBefore before calling an unused authorization expired (clock skew) */
  expirySkewSeconds: number;
  /** how far back to look for the AuthorizationUsed event that names the settlement transaction */
  logLookbackBlocks?: bigint;
  /** how often lapsed unsigned reservations are swept (a principal's own reserve expires its own); default 30 s */
  expireEveryMs?: number;
  now?: () => Date;
  /** the started loop runs only while this instance holds the lock (one instance per ledger); default: always */
  lock?: JobLock;
}

export interface ReconcileReport {
  settled: number;
  released: number;
  undecided: number;
  expired: number;
}

export interface Reconciler {
  /** Decide what can be decided now; safe to run in several processes (every ledger move is replay-safe). */
  runOnce(): Promise<ReconcileReport>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

/**
 * Decides signed payments whose outcome is unknown from chain state: EIP-3009 `authorizationState(payer, nonce)`
 * true means the transfer happened (settle, with the tx hash from the `AuthorizationUsed` event); false after
 * `validBefore` means it never can (release). Unsigned reservations past their TTL are expired.
 */
export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const now = deps.now ?? (() => new Date());
  const expireEveryMs = deps.expireEveryMs ?? 30_000;
  let expiredAt = Number.NEGATIVE_INFINITY;

  async function decide(row: SpendRow): Promise<"settled" | "released" | "undecided"> {
    const network = deps.networks.get(row.quote.network);
    const auth = row.authorization;
    if (!network || !auth) return "undecided";
    const client = deps.clientFor(network);
    const asset = row.quote.asset as `0x${string}`;
    const payer = auth.payer as `0x${string}`;
    const nonce = auth.nonce as `0x${string}`;
    // read at one block: unused there, and that block already past validBefore, means it can never be used
    const head = await client.getBlock({ blockTag: "latest" });
    const used = await client.readContract({
      address: asset,
      abi: eip3009Abi,
      functionName: "authorizationState",
      args: [payer, nonce],
      blockNumber: head.number,
    });
    if (used) {
      await deps.ledger.settle(row.id, {
        txHash: await findSettlementTx(client, asset, payer, nonce, deps.logLookbackBlocks),
      });
      return "settled";
    }
    // the chain's own clock decides at once; this process's clock (which may run ahead) only past the skew, for
    // a chain that mines no blocks while idle
    const chainExpired = head.timestamp >= auth.validBefore;
    const clockExpired = BigInt(now().getTime()) > (auth.validBefore + BigInt(deps.expirySkewSeconds)) * 1000n;
    if (chainExpired || clockExpired) {
      await deps.ledger.release(row.id, "AUTHORIZATION_EXPIRED");
      return "released";
    }
    return "undecided";
  }

  async function runOnce(): Promise<ReconcileReport> {
    const report: ReconcileReport = { settled: 0, released: 0, undecided: 0, expired: 0 };
    // a tick runs every couple of seconds; with nothing pending it costs one index probe, pending_outcomes
    if (now().getTime() - expiredAt >= expireEveryMs) {
      report.expired = await deps.ledger.expireReservations(now());
      expiredAt = now().getTime();
    }
    const rows = await deps.ledger.pendingOutcomes(new Date(now().getTime() - deps.signedGraceMs));
    for (const row of rows) {
      try {
        report[await decide(row)]++;
      } catch (err) {
        report.undecided++;
        deps.log.warn({ err, spendId: row.id }, "reconcile: chain state not readable yet");
      }
    }
    if (report.settled || report.released || report.expired) deps.log.info(report, "reconciled payments");
    return report;
  }

  let leading = false;
  async function lead(): Promise<boolean> {
    const now = deps.lock ? await deps.lock.acquire() : true;
    if (now !== leading) {
      deps.log.info(now ? "this instance runs the reconciler" : "another instance runs the reconciler now");
    }
    leading = now;
    return now;
  }

  let job: BackgroundJob | undefined;
  return {
    runOnce,
    start(intervalMs) {
      job ??= backgroundJob({
        run: async () => {
          if (await lead()) await runOnce();
          return intervalMs;
        },
        onError(err) {
          deps.log.warn({ err }, "reconcile run failed");
          return intervalMs;
        },
      });
      job.start();
    },
    async stop() {
      await job?.stop();
      await deps.lock?.release();
    },
  };
}

async function findSettlementTx(
  client: PublicClient,
  asset: `0x${string}`,
  authorizer: `0x${string}`,
  nonce: `0x${string}`,
  lookback = 50_000n,
): Promise<string | null> {
  const latest = await client.getBlockNumber();
  const logs = await client.getLogs({
    address: asset,
    event: eip3009Abi[1],
    args: { authorizer, nonce },
    fromBlock: latest > lookback ? latest - lookback : 0n,
    toBlock: latest,
  });
  return logs[0]?.transactionHash ?? null;
}
