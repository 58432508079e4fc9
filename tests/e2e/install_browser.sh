#!/usr/bin/env bash
# Debian's Chromium and the fonts the e2e tests need (Playwright cannot download browsers here).
# Idempotent: does nothing when everything is already installed. Needs root (or sudo).
set -euo pipefail
PACKAGES=(chromium fonts-noto-cjk fonts-noto-color-emoji)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ -x /usr/bin/chromium ] && [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]:-${PACKAGES[@]}}"
