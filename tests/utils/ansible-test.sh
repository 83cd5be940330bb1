#!/usr/bin/env bash
# Runs ansible-test on a copy of the collection at .build/ansible_collections/casa/distro (where
# ansible-test needs it), with the offline pip bootstrap in ansible-test's cache.
# Usage: tests/utils/ansible-test.sh sanity|units|integration [ansible-test options]
set -euo pipefail
top="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${VENV:-$top/.venv}"
# One copy per run, so that several runs (parallel shells, CI steps) never clobber each other.
work="$top/.build/ansible-test.$$"
dest="$work/ansible_collections/casa/distro"
# Figures the tests record (tests/unit/utils/fuzz.py, the bad_input target) come back to the
# repository's tests/output/reliability for tests/utils/reliability_report.py.
# Everything this ansible-test command wrote under the copy's tests/output (results, logs, the
# last integration target's output_dir) is searched for the tests' secrets before it is removed.
keep_figures() {
    local status=$? scan=0
    if [ -d "$dest/tests/output" ]; then
        "$venv/bin/python" "$top/tests/utils/secret_scan.py" --record "ansible-test-$command" \
            --figures "$dest/tests/output/reliability" "$dest/tests/output" || scan=$?
    fi
    if [ -d "$dest/tests/output/reliability" ]; then
        mkdir -p "$top/tests/output/reliability"
        cp -a "$dest/tests/output/reliability/." "$top/tests/output/reliability/"
    fi
    rm -rf "$work"
    if [ "$status" -eq 0 ] && [ "$scan" -ne 0 ]; then
        exit "$scan"
    fi
}
command="${1:-}"
trap keep_figures EXIT
mkdir -p "$dest"
rsync -a --exclude /.git --exclude /.venv --exclude /.build --exclude /tests/output \
    --exclude __pycache__ --exclude '*.pyc' --exclude /changelogs/.plugin-cache.yaml \
    "$top/" "$dest/"
# ansible-test lists files through git when it can: give the copy its own index.
(cd "$dest" && git init -q && git add -A >/dev/null 2>&1) || true

cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
# The name follows the pip version ansible-test bootstraps (24.2 for ansible-core 2.19).
pip_version=24_2
[ -s "$cache/get_pip_$pip_version.py" ] || cp "$top/tests/utils/get_pip_offline.py" "$cache/get_pip_$pip_version.py"

export PATH="$venv/bin:$PATH"
cd "$dest"
ansible-test "$@"
