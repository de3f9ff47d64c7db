/**
 * Runs tasks one at a time in call order. Hardhat's automine rejects a nonce gap instead of queueing
 * ("Nonce too high ... can't be queued when automining"), so one account's transactions must reach
 * the node in nonce order even when tests fire them concurrently.
 */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}
