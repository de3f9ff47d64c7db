import { isValidPaymentId } from "@x402/extensions/payment-identifier";
import { describe, expect, test } from "vitest";
import { paymentIdOf, withPaymentId } from "../../src/payment/paymentId.js";

const payload = (x402Version: number) => ({ x402Version, payload: {}, accepted: {} }) as never;

describe("paymentIdOf", () => {
  test("default: one valid id per principal and idempotency key, the same on every retry", () => {
    const id = paymentIdOf("alice", "key-1");
    expect(isValidPaymentId(id)).toBe(true);
    expect(paymentIdOf("alice", "key-1")).toBe(id);
    expect(paymentIdOf("bob", "key-1")).not.toBe(id);
    expect(paymentIdOf("alice", "key-2")).not.toBe(id);
    // the separator keeps ("a", "bc") and ("ab", "c") apart
    expect(paymentIdOf("a", "bc")).not.toBe(paymentIdOf("ab", "c"));
  });
});

describe("withPaymentId", () => {
  test("default: a v2 payload carries the id beside what the server declared", () => {
    const declared = { info: { required: true }, schema: { type: "object" } };
    const out = withPaymentId(
      payload(2),
      { extensions: { "payment-identifier": declared } } as never,
      "pag0_x".padEnd(20, "0"),
    );
    expect(out.extensions?.["payment-identifier"]).toEqual({
      info: { required: true, id: "pag0_x".padEnd(20, "0") },
      schema: { type: "object" },
    });
    expect(declared.info).toEqual({ required: true });
  });

  test("behavior: sent also when the server did not declare it; v1 payloads have no extensions", () => {
    const id = paymentIdOf("alice", "k");
    expect(withPaymentId(payload(2), {} as never, id).extensions).toEqual({
      "payment-identifier": { info: { required: false, id } },
    });
    expect(withPaymentId(payload(1), {} as never, id)).toEqual(payload(1));
  });
});
