// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PaymentAuditLog: the public, append-only anchor of Pag0's payment receipts.
/// @notice One Merkle root per batch of receipts (OpenZeppelin StandardMerkleTree), kept in storage so that a
///         verifier needs one eth_call against latest state. Batches are strictly sequential: batch ids have no
///         gap, sequence ranges are contiguous, and every BatchAnchored event names the previous root, so gaps,
///         re-ordering and double anchoring show from chain state alone.
///         Optionally, one event per receipt with exactly the ERC-8004 v2 ReputationRegistry `NewFeedback`
///         signature, so ERC-8004 tooling decodes it. This mirrors the event's shape only: it is a self-published
///         audit record, not reputation (the canonical registry forbids self-feedback).
/// @dev Non-upgradeable, immutable operator: rotate the key by deploying a new log. Compiled for istanbul (no
///      PUSH0, no BASEFEE) so it runs on every SKALE chain; see scripts/compileAuditLog.ts.
contract PaymentAuditLog {
    /// Byte for byte the ERC-8004 v2.0.0 `NewFeedback` event, so topic0 matches the reference ABI.
    event NewFeedback(
        uint256 indexed agentId,
        address indexed clientAddress,
        uint64 feedbackIndex,
        int128 value,
        uint8 valueDecimals,
        string indexed indexedTag1,
        string tag1,
        string tag2,
        string endpoint,
        string feedbackURI,
        bytes32 feedbackHash
    );

    event BatchAnchored(
        uint64 indexed batchId,
        bytes32 indexed root,
        bytes32 prevRoot,
        uint64 fromSeq,
        uint64 toSeq,
        uint32 leafCount,
        string batchURI
    );

    struct Batch {
        bytes32 root;
        uint64 fromSeq;
        uint64 toSeq;
        uint64 anchoredAt;
        uint64 blockNumber;
    }

    /// One per-receipt event, in leaf order.
    struct Feedback {
        int128 value;
        uint8 valueDecimals;
        string tag1;
        string tag2;
        string endpoint;
        string feedbackURI;
        bytes32 feedbackHash;
    }

    error NotOperator();
    error BadBatchId(uint64 expected, uint64 got);
    error BadRange(uint64 expectedFrom, uint64 gotFrom, uint64 gotTo);
    error EmptyRoot();
    error BadFeedbackCount(uint256 expected, uint256 got);
    error TooManyDecimals();

    address public immutable operator;
    /// ERC-8004 agentId (IdentityRegistry tokenId) of the paying agent; part of every leaf.
    uint256 public immutable agentId;

    /// 0 = nothing anchored yet; batches are numbered from 1.
    uint64 public lastBatchId;
    /// Highest receipt sequence number covered by an anchored batch; sequence numbers start at 1.
    uint64 public lastSeq;
    /// Running index of the per-receipt events.
    uint64 public feedbackCount;
    mapping(uint64 => Batch) public batches;

    constructor(address operator_, uint256 agentId_) {
        operator = operator_;
        agentId = agentId_;
    }

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator();
        _;
    }

    /// @notice Anchor the root of receipts [fromSeq, toSeq]: batchId must be lastBatchId + 1 and fromSeq must be
    ///         lastSeq + 1, with one leaf per sequence number.
    function anchorBatch(
        uint64 batchId,
        bytes32 root,
        uint64 fromSeq,
        uint64 toSeq,
        uint32 leafCount,
        string calldata batchURI
    ) external onlyOperator {
        _anchor(batchId, root, fromSeq, toSeq, leafCount, batchURI);
    }

    /// @notice `anchorBatch`, plus one ERC-8004-shaped `NewFeedback` event per receipt (one entry per leaf).
    function anchorBatchWithFeedback(
        uint64 batchId,
        bytes32 root,
        uint64 fromSeq,
        uint64 toSeq,
        uint32 leafCount,
        string calldata batchURI,
        Feedback[] calldata feedback
    ) external onlyOperator {
        if (feedback.length != leafCount) revert BadFeedbackCount(leafCount, feedback.length);
        _anchor(batchId, root, fromSeq, toSeq, leafCount, batchURI);
        uint64 index = feedbackCount;
        for (uint256 i = 0; i < feedback.length; i++) {
            Feedback calldata f = feedback[i];
            if (f.valueDecimals > 18) revert TooManyDecimals();
            emit NewFeedback(
                agentId, msg.sender, ++index, f.value, f.valueDecimals, f.tag1, f.tag1, f.tag2, f.endpoint,
                f.feedbackURI, f.feedbackHash
            );
        }
        feedbackCount = index;
    }

    function _anchor(
        uint64 batchId,
        bytes32 root,
        uint64 fromSeq,
        uint64 toSeq,
        uint32 leafCount,
        string calldata batchURI
    ) private {
        if (root == bytes32(0)) revert EmptyRoot();
        uint64 last = lastBatchId;
        if (batchId != last + 1) revert BadBatchId(last + 1, batchId);
        if (fromSeq != lastSeq + 1 || toSeq < fromSeq || uint256(leafCount) != uint256(toSeq - fromSeq) + 1) {
            revert BadRange(lastSeq + 1, fromSeq, toSeq);
        }
        bytes32 prevRoot = batches[last].root;
        batches[batchId] = Batch(root, fromSeq, toSeq, uint64(block.timestamp), uint64(block.number));
        lastBatchId = batchId;
        lastSeq = toSeq;
        emit BatchAnchored(batchId, root, prevRoot, fromSeq, toSeq, leafCount, batchURI);
    }

    /// @notice Root of the last anchored batch (zero before the first).
    function lastRoot() external view returns (bytes32) {
        return batches[lastBatchId].root;
    }

    /// @notice Everything a verifier or the anchorer needs about the log, in one eth_call.
    function head()
        external
        view
        returns (uint64 lastBatchId_, uint64 lastSeq_, bytes32 lastRoot_, uint256 agentId_, address operator_)
    {
        return (lastBatchId, lastSeq, batches[lastBatchId].root, agentId, operator);
    }

    /// @notice Verify a leaf hash (StandardMerkleTree.leafHash) against the stored root of `batchId`.
    function verifyLeaf(uint64 batchId, bytes32 leaf, bytes32[] calldata proof) public view returns (bool) {
        bytes32 root = batches[batchId].root;
        return root != bytes32(0) && _processProof(proof, leaf) == root;
    }

    /// @notice Verify a receipt by its leaf fields. The encoding MUST match the off-chain tree:
    ///   StandardMerkleTree.of(values, ["uint64","bytes32","uint256","address","address","uint256","bytes32"])
    ///   i.e. (seq, receiptHash, agentId, payTo, asset, amount, paymentTxHash).
    function verifyReceipt(
        uint64 batchId,
        uint64 seq,
        bytes32 receiptHash,
        uint256 agentId_,
        address payTo,
        address asset,
        uint256 amount,
        bytes32 paymentTxHash,
        bytes32[] calldata proof
    ) external view returns (bool) {
        Batch storage b = batches[batchId];
        if (seq < b.fromSeq || seq > b.toSeq) return false;
        bytes32 leaf = keccak256(
            bytes.concat(keccak256(abi.encode(seq, receiptHash, agentId_, payTo, asset, amount, paymentTxHash)))
        );
        return verifyLeaf(batchId, leaf, proof);
    }

    /// OpenZeppelin MerkleProof.processProof with commutative (sorted-pair) keccak256, as the merkle-tree package
    /// builds it; inlined so the contract compiles from this one file.
    function _processProof(bytes32[] calldata proof, bytes32 leaf) private pure returns (bytes32 computed) {
        computed = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 p = proof[i];
            computed = computed < p ? keccak256(abi.encode(computed, p)) : keccak256(abi.encode(p, computed));
        }
    }
}
