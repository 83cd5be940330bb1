#!/usr/bin/env bash
# Tools only the tests need, on top of what roles/build_host/files/setup-host.sh installs:
# ShellCheck (the shellcheck sanity test of ansible-test skips silently without it). Idempotent.
set -euo pipefail
packages=(shellcheck)
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup-test-tools: installing ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
        >>/var/log/casa-distro/apt.log 2>&1 || { tail -n 20 /var/log/casa-distro/apt.log >&2; exit 1; }
fi
