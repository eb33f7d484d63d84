#!/usr/bin/env bash
# Install Debian's chromium for the browser tests if it is missing (never downloads browsers).
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests …"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
    echo "WARNING: chromium could not be installed; browser tests will be skipped (see pytest output)."
else
  echo "WARNING: /usr/bin/chromium missing and cannot be installed here; browser tests will be skipped."
fi
exit 0
