import type { LookupAddress } from "node:dns";
import { promises as dns } from "node:dns";
import { isIP } from "node:net";
import { Agent, buildConnector } from "undici";
import { Pag0Error } from "../errors.js";
import { isPublicAddress } from "../policy/addressRanges.js";

/** Resolves a host name to all of its addresses. Injected in tests; `dns.lookup` (the OS resolver) otherwise. */
export type HostLookup = (hostname: string) => Promise<readonly LookupAddress[]>;

/** An operator-approved exception: allow this (non-public) address when reached under this host name. */
export type AllowAddress = (address: string, host: string) => boolean;

export type SafeDispatcherOptions = {
  /** Allow loopback/private/link-local targets (local development and tests only). */
  allowPrivate: boolean;
  lookup?: HostLookup;
  allowAddress?: AllowAddress;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** false: every request on a new connection (no pooled socket the server may already have closed) */
  keepAlive?: boolean;
};

const systemLookup: HostLookup = (hostname) => dns.lookup(hostname, { all: true, order: "verbatim" });

/**
 * An undici Agent that refuses to open a connection to a non-public address, checked on the
 * address actually connected to. The check runs on every new connection (every redirect hop,
 * every origin), so DNS rebinding between a check and the connect cannot slip through.
 *
 * @example fetch(url, { dispatcher: createSafeDispatcher({ allowPrivate: false }) })
 */
export function createSafeDispatcher(options: SafeDispatcherOptions): Agent {
  const resolve = options.lookup ?? systemLookup;
  const isAllowed = (address: string, host: string): boolean =>
    options.allowPrivate || isPublicAddress(address) || (options.allowAddress?.(address, host) ?? false);

  // `lookup` goes to net.connect/tls.connect, which call it for host names only: an IP literal is
  // connected to directly, so literals are checked in `connect` below before any socket exists.
  const base = buildConnector({
    timeout: options.connectTimeoutMs ?? 10_000,
    lookup: guardedLookup(resolve, isAllowed),
  });

  const connect: buildConnector.connector = function safeConnect(connectOptions, callback) {
    const host = unbracket(connectOptions.hostname);
    if (isIP(host) !== 0 && !isAllowed(host, host)) {
      callback(notAllowed(host, host), null);
      return;
    }
    base(connectOptions, callback);
  };

  return new Agent({
    connect,
    // undici: pipelining 0 disables keep-alive
    ...(options.keepAlive === false ? { pipelining: 0 } : {}),
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
  });
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

/** A net.connect `lookup` that resolves with `resolve` and fails unless every address is allowed. */
function guardedLookup(resolve: HostLookup, isAllowed: (address: string, host: string) => boolean) {
  return function safeLookup(hostname: string, opts: { family?: number | string; all?: boolean }, cb: LookupCallback) {
    resolve(hostname).then(
      (addresses) => {
        // All of them, not only the ones net will try: a name with any private answer is a rebinding tool.
        const refused = addresses.find((a) => !isAllowed(a.address, hostname));
        if (refused) return cb(notAllowed(hostname, refused.address), []);
        const family =
          opts.family === 4 || opts.family === "IPv4" ? 4 : opts.family === 6 || opts.family === "IPv6" ? 6 : 0;
        const usable = family === 0 ? [...addresses] : addresses.filter((a) => a.family === family);
        const first = usable[0];
        if (!first) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);
        if (opts.all) return cb(null, usable);
        return cb(null, first.address, first.family);
      },
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err)), []),
    );
  };
}

function notAllowed(host: string, address: string): Pag0Error {
  const subject = host === address ? host : `${host} (${address})`;
  return new Pag0Error(
    "URL_NOT_ALLOWED",
    `Refused to connect to ${subject}: not a public internet address (loopback, private, link-local or metadata). Only public hosts can be fetched.`,
    { details: { host, address } },
  );
}

// undici strips the brackets of IPv6 literals before connecting; accept both forms anyway.
const unbracket = (hostname: string): string =>
  hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
