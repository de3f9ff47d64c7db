import { parseAbi } from "viem";

/**
 * TestUSDC's ABI with literal types, so `readContract` and `parseEventLogs` infer arguments and results.
 * world.test.ts checks it against the compiled artifact, so it cannot drift from the Solidity source.
 */
export const testUsdcAbi = parseAbi([
  "constructor(string name_)",
  "event Approval(address indexed owner, address indexed spender, uint256 value)",
  "event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce)",
  "event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
  "function CANCEL_AUTHORIZATION_TYPEHASH() view returns (bytes32)",
  "function DOMAIN_SEPARATOR() view returns (bytes32)",
  "function RECEIVE_WITH_AUTHORIZATION_TYPEHASH() view returns (bytes32)",
  "function TRANSFER_WITH_AUTHORIZATION_TYPEHASH() view returns (bytes32)",
  "function allowance(address, address) view returns (uint256)",
  "function approve(address spender, uint256 value) returns (bool)",
  "function authorizationState(address authorizer, bytes32 nonce) view returns (bool)",
  "function balanceOf(address) view returns (uint256)",
  "function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
  "function decimals() view returns (uint8)",
  "function mint(address to, uint256 value)",
  "function minter() view returns (address)",
  "function name() view returns (string)",
  "function receiveWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
  "function symbol() view returns (string)",
  "function totalSupply() view returns (uint256)",
  "function transfer(address to, uint256 value) returns (bool)",
  "function transferFrom(address from, address to, uint256 value) returns (bool)",
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)",
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
  "function version() view returns (string)",
]);

export type TestUsdcAbi = typeof testUsdcAbi;
