#!/usr/bin/env bash
# Builds the MCP Bundle for Claude Desktop, pag0-<version>.mcpb, in the current directory. It stages a copy of the
# sources, installs and builds there and keeps only production dependencies, so this checkout's node_modules is
# left alone. Needs the npm registry (or a warm npm cache) for `npm ci` and @anthropic-ai/mcpb.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/pag0-bundle-XXXXXX")
trap 'rm -rf "$stage"' EXIT

cp package.json package-lock.json tsconfig.json tsconfig.build.json manifest.json .mcpbignore README.md "$stage"/
cp -R src "$stage"/src
mkdir -p "$stage"/supabase && cp -R supabase/migrations "$stage"/supabase/migrations
cp -R contracts "$stage"/contracts
cd "$stage"
npm ci --no-audit --no-fund --prefer-offline
npm run build
npm prune --omit=dev --no-audit --no-fund
version=$(node -p 'require("./package.json").version')
npx -y @anthropic-ai/mcpb@2.1.2 pack . "$root/pag0-$version.mcpb" | grep -v '^ .*node_modules/'
echo "bundle: $root/pag0-$version.mcpb"
