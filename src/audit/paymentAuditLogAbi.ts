import { parseAbi } from "viem";

/**
 * PaymentAuditLog's ABI with literal types, so viem infers arguments and results. A test checks it against the
 * compiled artifact, so it cannot drift from contracts/PaymentAuditLog.sol.
 */
export const paymentAuditLogAbi = parseAbi([
  "struct Feedback { int128 value; uint8 valueDecimals; string tag1; string tag2; string endpoint; string feedbackURI; bytes32 feedbackHash; }",
  "constructor(address operator_, uint256 agentId_)",
  "error BadBatchId(uint64 expected, uint64 got)",
  "error BadFeedbackCount(uint256 expected, uint256 got)",
  "error BadRange(uint64 expectedFrom, uint64 gotFrom, uint64 gotTo)",
  "error EmptyRoot()",
  "error NotOperator()",
  "error TooManyDecimals()",
  "event BatchAnchored(uint64 indexed batchId, bytes32 indexed root, bytes32 prevRoot, uint64 fromSeq, uint64 toSeq, uint32 leafCount, string batchURI)",
  "event NewFeedback(uint256 indexed agentId, address indexed clientAddress, uint64 feedbackIndex, int128 value, uint8 valueDecimals, string indexed indexedTag1, string tag1, string tag2, string endpoint, string feedbackURI, bytes32 feedbackHash)",
  "function agentId() view returns (uint256)",
  "function anchorBatch(uint64 batchId, bytes32 root, uint64 fromSeq, uint64 toSeq, uint32 leafCount, string batchURI)",
  "function anchorBatchWithFeedback(uint64 batchId, bytes32 root, uint64 fromSeq, uint64 toSeq, uint32 leafCount, string batchURI, Feedback[] feedback)",
  "function batches(uint64) view returns (bytes32 root, uint64 fromSeq, uint64 toSeq, uint64 anchoredAt, uint64 blockNumber)",
  "function feedbackCount() view returns (uint64)",
  "function head() view returns (uint64 lastBatchId_, uint64 lastSeq_, bytes32 lastRoot_, uint256 agentId_, address operator_)",
  "function lastBatchId() view returns (uint64)",
  "function lastRoot() view returns (bytes32)",
  "function lastSeq() view returns (uint64)",
  "function operator() view returns (address)",
  "function verifyLeaf(uint64 batchId, bytes32 leaf, bytes32[] proof) view returns (bool)",
  "function verifyReceipt(uint64 batchId, uint64 seq, bytes32 receiptHash, uint256 agentId_, address payTo, address asset, uint256 amount, bytes32 paymentTxHash, bytes32[] proof) view returns (bool)",
]);

export type PaymentAuditLogAbi = typeof paymentAuditLogAbi;
