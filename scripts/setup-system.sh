#!/usr/bin/env bash
# Install the Debian packages gazecast needs, only those that are missing.
#   scripts/setup-system.sh run    headless GL (Mesa EGL + llvmpipe) and node/npm for the browser client
#   scripts/setup-system.sh test   the above plus chromium, ffmpeg, redis-server, PostgreSQL's server, nginx and openssl for the tests
set -euo pipefail
want=(libegl1 libgl1 libgl1-mesa-dri libgles2)
command -v npm >/dev/null || want+=(nodejs npm)
if [ "${1:-run}" = test ]; then
  want+=(chromium ffmpeg redis-server postgresql nginx openssl)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "gazecast needs these Debian packages: ${missing[*]}" >&2
  echo "run as root, or: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
