#!/usr/bin/env bash
# Builds the MCP Bundle for Claude Desktop: pag0-<version>.mcpb in the checkout, or the path given as $1.
# The server is compiled with this checkout's TypeScript straight into a staging dir, which then gets production
# dependencies only (npm ci --omit=dev --omit=optional) and the ledger snapshot; this checkout's node_modules and
# dist/ are left alone. Needs the npm registry (or a warm npm cache) for npm ci and @anthropic-ai/mcpb.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=$(node -p 'require("./package.json").version')
out=$(realpath -m "${1:-$root/pag0-$version.mcpb}")
stage=$(mktemp -d "${TMPDIR:-/tmp}/pag0-bundle-XXXXXX")
trap 'rm -rf "$stage"' EXIT

cp package.json package-lock.json manifest.json icon.png .mcpbignore README.md LICENSE "$stage"/
mkdir -p "$stage"/supabase "$stage"/contracts/build
cp -R supabase/migrations "$stage"/supabase/migrations
cp contracts/PaymentAuditLog.sol "$stage"/contracts/
cp contracts/build/PaymentAuditLog.json "$stage"/contracts/build/
node_modules/.bin/tsc -p tsconfig.build.json --outDir "$stage"/dist --sourceMap false

cd "$stage"
# --omit=optional as well: viem, abitype and ox name typescript as an optional peer, so --omit=dev alone keeps its
# 20 MB. No install scripts: the bundle must run on every platform, so native add-ons fall back to their JS builds.
npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --prefer-offline
node dist/ledger/buildLedgerSnapshot.js
npx -y @anthropic-ai/mcpb@2.1.2 pack . "$out" | grep -v '^ .*node_modules/'
echo "bundle: $out"
