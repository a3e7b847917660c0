#!/usr/bin/env bash
# Installs the Debian packages the integration and browser suites need, only when missing:
# chromium (headless browser for playwright-core) and redis-server. Safe to run repeatedly.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing ${missing[*]}: run as root or install them with apt-get." >&2
  exit 1
fi
echo "Installing ${missing[*]} from Debian packages…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
