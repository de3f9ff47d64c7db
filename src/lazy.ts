/** A value loaded on first use and kept; a load that fails is tried again on the next use. */
export interface Lazy<T> {
  (): Promise<T>;
  /** the value if its load has started (it may still be in flight), without starting it */
  ifStarted(): Promise<T> | undefined;
}

/**
 * Loads `load` once, when first asked. deps.ts uses it to import heavy adapters (the x402 client, chain clients,
 * undici) only when a call or a background job needs them, so `pag0 stdio` answers `initialize` without them.
 */
export function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let loading: Promise<T> | undefined;
  const get = (): Promise<T> => {
    if (!loading) {
      const attempt = load();
      loading = attempt;
      attempt.catch(() => {
        if (loading === attempt) loading = undefined;
      });
    }
    return loading;
  };
  return Object.assign(get, { ifStarted: () => loading });
}

/** Starts a lazily loaded background job; a job that cannot load is reported, and calls go on without it. */
export function startJob<J>(job: Lazy<J>, start: (job: J) => void, onError: (err: unknown) => void): void {
  job().then(start, onError);
}

/** The value if its load was started and succeeded (waiting for one in flight), else undefined: what to close. */
export async function loadedValue<T>(value: Lazy<T>): Promise<T | undefined> {
  return value.ifStarted()?.catch(() => undefined);
}

/** Stops a lazily loaded background job if it was ever started, waiting for a load still in flight. */
export async function stopJob<J extends { stop(): Promise<void> }>(job: Lazy<J>): Promise<void> {
  await (await loadedValue(job))?.stop();
}

/**
 * An object that stands for `get()`'s result, which is made when one of its properties is first read (methods stay
 * bound to it). For things every call is handed but few calls use: a logger, a metrics group.
 */
export function deferred<T extends object>(get: () => T): T {
  let value: T | undefined;
  const real = (): T => {
    value ??= get();
    return value;
  };
  return new Proxy({} as T, {
    get: (_target, name) => {
      const v = Reflect.get(real(), name);
      return typeof v === "function" ? v.bind(real()) : v;
    },
  });
}
