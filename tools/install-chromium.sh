#!/usr/bin/env bash
# Debian's headless Chromium and ChromeDriver, for the tests that open the product's pages in a real
# browser with the network off (tests/test_offline_pages.py). Idempotent: does nothing when both are there.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi
if [ "$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else
  echo "install-chromium: Debian's chromium and chromium-driver are missing; install them as root:" >&2
  echo "  apt-get update && apt-get install -y chromium chromium-driver" >&2
  exit 1
fi
echo "install-chromium: installing Debian's chromium and chromium-driver (apt-get)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
