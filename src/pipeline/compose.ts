import type { CallContext, StageOutcome } from "./context.js";

/** A pipeline stage: does its part, and calls `next()` at most once to run the rest. */
export type Stage = (ctx: CallContext, next: () => Promise<StageOutcome>) => Promise<StageOutcome>;

/** Run stages as an onion (Hono's compose): the first stage wraps all the others. */
export function compose(stages: readonly Stage[]): (ctx: CallContext) => Promise<StageOutcome> {
  return function runPipeline(ctx) {
    const dispatch = (i: number): Promise<StageOutcome> => {
      const stage = stages[i];
      if (!stage) return Promise.reject(new Error("the last pipeline stage called next()"));
      let called = false;
      return stage(ctx, () => {
        if (called) return Promise.reject(new Error(`pipeline stage ${stage.name || i} called next() twice`));
        called = true;
        return dispatch(i + 1);
      });
    };
    return dispatch(0);
  };
}
