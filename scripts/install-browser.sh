#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (tests/e2e, driven by playwright-core with
# executablePath /usr/bin/chromium). Idempotent and quiet: does nothing when chromium is already there.
# playwright-core's own browser download is not used: there is no internet, only the Debian mirror.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-browser: /usr/bin/chromium is missing and this user cannot install packages (no root, no sudo)." >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-browser: installing chromium (apt-get)..."
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null

if [ ! -x /usr/bin/chromium ]; then
  echo "install-browser: apt-get finished but /usr/bin/chromium is still missing." >&2
  exit 1
fi
echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)"
