#!/usr/bin/env bash
# CI row: the unit tests and one example (quickstart, under the lifecycle driver) on Node 22 with the newest
# @pulumi/pulumi and execa (both need Node 22; main CI stays on Node 20 with the locked versions). Node 22 comes from
# npm's `node` package. Runs on a clone of the committed tree, so the main checkout's node_modules are untouched.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/qemu-lab-node22-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
npm install --prefix "$WORK/node" --no-audit --no-fund --silent node@22
export PATH="$WORK/node/node_modules/node/bin:$PATH"
git clone -q "$ROOT" "$WORK/repo"
cd "$WORK/repo"
echo "ci-node22: node $(node --version)"
npm ci --no-audit --no-fund --silent
npm install --no-audit --no-fund --silent @pulumi/pulumi@latest execa@latest
node scripts/link-self.js
version() { node -p "JSON.parse(require('fs').readFileSync('node_modules/$1/package.json', 'utf8')).version"; }
echo "ci-node22: @pulumi/pulumi $(version @pulumi/pulumi), execa $(version execa)"
npm run build --silent
# The guest the main run built (same recipe): no second build.
export QEMU_LAB_GUEST_DIR="${QEMU_LAB_GUEST_DIR:-$ROOT/.cache/test-guest}"
# The Pulumi CLI the main run built (some unit tables compare with files it writes).
export QEMU_LAB_PULUMI_BIN="${QEMU_LAB_PULUMI_BIN:-$ROOT/.cache/pulumi-cli/bin}"
NODE_OPTIONS=--experimental-vm-modules npx jest --runInBand test/unit
NODE_OPTIONS=--experimental-vm-modules npx jest --runInBand test/pulumi/examples/quickstart.test.ts -t "under driver"
