#!/bin/sh
# Recomputes the sha256 of every file under the published workflows and compares with their
# manifests: every manifest line checks, and the manifest lists exactly the regular files there.
# Usage: verify_manifests.sh WORKFLOWS_DIR DISTRO/BRANCH_SYSTEM...
set -eu
root="$1"
shift
for wf in "$@"; do
    distro="${wf%%/*}"
    name="${wf#*/}"
    cd "$root/$distro"
    sha256sum --strict --quiet -c "$name.sha256"
    listed="$(sed 's/^[0-9a-f]*  //' "$name.sha256" | LC_ALL=C sort)"
    present="$(find "$name" -type f | LC_ALL=C sort)"
    if [ "$listed" != "$present" ]; then
        echo "$root/$distro/$name.sha256 does not list the files present" >&2
        exit 1
    fi
    echo "$wf: $(wc -l < "$name.sha256") files checked"
done
