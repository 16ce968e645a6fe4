#!/usr/bin/env bash
# Builds the real Pulumi CLI from its Go modules into a cache folder and prints that folder (put it on PATH):
#   - `pulumi` from github.com/pulumi/pulumi/pkg/v3 at the version of the locked @pulumi/pulumi npm package;
#   - `pulumi-language-nodejs`, the Node.js language host (see LANGHOST_VERSION below for which release);
#   - `pulumi-resource-pulumi-nodejs`, the dynamic-provider plugin, copied from the @pulumi/pulumi npm package so
#     the engine finds it next to `pulumi` (as in Pulumi's own release archives) rather than as an ambient plugin.
# Skips the build when that version is already cached. The first build takes 9–13 minutes on 2 cores
# (module downloads included); a cached run takes under a second.
#
#   export PATH="$(bash scripts/install-pulumi-cli.sh):$PATH"
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "install-pulumi-cli: needs Go >= 1.24 (expected at /usr/local/go/bin/go)" >&2; exit 1; }

# The CLI must match the SDK the programs load (`@pulumi/pulumi` in package-lock.json).
version="${PULUMI_CLI_VERSION:-$(node -p "require('$here/package-lock.json').packages['node_modules/@pulumi/pulumi'].version")}"
version="v${version#v}"
# Why not the same version: the language host's own module (github.com/pulumi/pulumi/sdk/nodejs/cmd/
# pulumi-language-nodejs/v3) is not served by the Go module proxy this project can reach (every version answers
# 403). Until v3.68.0 the host was a package of github.com/pulumi/pulumi/sdk/v3, which is served: we build that,
# the newest official host we can get. docs/pulumi-compat.md lists what that costs.
langhost_version="v3.68.0"
cache="${PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-qemu-lab/pulumi-cli}"
bin="$cache/$version-langhost-$langhost_version/bin"
plugin_src="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

install_plugin() {
  [ -f "$plugin_src" ] || { echo "install-pulumi-cli: $plugin_src missing: run npm ci first" >&2; exit 1; }
  cmp -s "$plugin_src" "$1/pulumi-resource-pulumi-nodejs" || install -m 0755 "$plugin_src" "$1/pulumi-resource-pulumi-nodejs"
}

# finish: the plugin in place, .cache/pulumi-cli (what the tests and the demo use) pointing here, the folder printed.
finish() {
  install_plugin "$bin"
  mkdir -p "$here/.cache" && ln -sfn "$(dirname "$bin")" "$here/.cache/pulumi-cli"
  echo "$bin"
}

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "$version" ]; then
  echo "install-pulumi-cli: pulumi $version cached in $bin" >&2
  finish
  exit 0
fi

start=$(date +%s)
echo "install-pulumi-cli: building pulumi $version and pulumi-language-nodejs $langhost_version from their Go modules" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work" "$bin.tmp"' EXIT
export GOFLAGS="-mod=mod -buildvcs=false"

# build_main DIR MODULE@VERSION PACKAGE OUTPUT [LDFLAGS]: a throwaway module that requires MODULE and builds PACKAGE
# (`go install mod@version` refuses modules whose go.mod has replace lines, as pulumi's does).
build_main() {
  local dir="$work/$1" module="$2" package="$3" out="$4" ldflags="${5:-}"
  mkdir -p "$dir"
  printf 'module qemu-lab.local/build-%s\n\ngo 1.24\n' "$1" >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$package" >"$dir/tools.go"
  (cd "$dir" && go get "$module" >&2 && go mod tidy >&2 &&
    go build -trimpath -ldflags "-s -w $ldflags" -o "$out" "$package" >&2)
}

mkdir -p "$bin.tmp"
build_main cli "github.com/pulumi/pulumi/pkg/v3@$version" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$bin.tmp/pulumi" \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
build_main langhost "github.com/pulumi/pulumi/sdk/v3@$langhost_version" \
  github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs "$bin.tmp/pulumi-language-nodejs" \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$langhost_version"
rm -rf "$bin" && mkdir -p "$(dirname "$bin")" && mv "$bin.tmp" "$bin"
echo "install-pulumi-cli: built in $(($(date +%s) - start)) s into $bin" >&2
finish
