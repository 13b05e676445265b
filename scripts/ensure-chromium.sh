#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing (Playwright's own browser
# download cannot work on these machines).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "ensure-chromium: installing chromium (apt-get)..." >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
