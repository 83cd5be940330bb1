#!/usr/bin/env bash
# Every module's EXAMPLES run as written (issue 12), and so do the plays of the migration guide:
# files/extract_examples.py turns each module's EXAMPLES, and each guide's plays, into a
# playbook, with the placeholder paths and hosts replaced by fixtures
# (files/substitutions.yml, files/make_fixtures.sh), and each playbook runs against the real
# Docker daemon, the registry on 127.0.0.1:5000 (repositories under casa-docsite/), git
# repositories and Apptainer's SIF format. Every example task must run (none skipped) and
# none may fail. Order matters as in a release: the Docker examples bootstrap the base and
# push the images the SIF and subuser examples use.
set -euo pipefail

registry=127.0.0.1:5000/casa-docsite
base="$registry/debian:bookworm"
# ansible-test runs this from a copy of the target: the collection is found through the collection
# path (setup_ssh_hosts/files/collection.sh, beside this target's copy).
source "$(dirname "$0")/../setup_ssh_hosts/files/collection.sh"
collection="$(casa_collection_dir)"
work="$(mktemp -d -t casa-docsite-examples.XXXXXX)"
# The bootstrapped base stays for the next run (its example then finds it up to date, as
# setup_base_image does for the other targets); everything else this test made goes.
cleanup() {
    docker image ls --format '{{.Repository}}:{{.Tag}}' \
        | grep -E "^($registry/|casa-docsite-subuser/)" | grep -vxF "$base" \
        | xargs -r docker rmi -f >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

bash files/make_fixtures.sh "$work" "$collection" "$base"
python3 files/extract_examples.py "$collection" files/substitutions.yml "$work"

for module in casa_docker_image casa_singularity_image casa_release_plan subuser_repo; do
    echo "== the EXAMPLES of $module"
    expected="$(cat "$work/playbooks/$module.count")"
    started=$SECONDS
    ansible-playbook "$work/playbooks/$module.yml" | tee "$work/$module.log"
    recap="$(grep -E '^localhost +: ok=' "$work/$module.log")"
    [[ "$recap" =~ ok=([0-9]+).*failed=([0-9]+).*skipped=([0-9]+) ]] \
        || { echo "FAIL: $module: no play recap"; exit 1; }
    ok="${BASH_REMATCH[1]}" failed="${BASH_REMATCH[2]}" skipped="${BASH_REMATCH[3]}"
    if [ "$failed" != 0 ] || [ "$skipped" != 0 ] || [ "$ok" != "$expected" ]; then
        echo "FAIL: $module: $expected example tasks, ran ok=$ok failed=$failed skipped=$skipped"
        exit 1
    fi
    echo "module examples: $module: $expected tasks ran, none failed, in $((SECONDS - started))s"
done

# The guides' plays: roles skip tasks by design, so every play must run and none may fail.
for playbook in "$work"/playbooks/guide_*.yml; do
    guide="$(basename "$playbook" .yml)"
    echo "== the plays of ${guide#guide_}.rst"
    started=$SECONDS
    ansible-playbook "$playbook" | tee "$work/$guide.log"
    grep -Eq '^localhost +: ok=[1-9][0-9]* .*failed=0 ' "$work/$guide.log" \
        || { echo "FAIL: $guide: a play failed"; exit 1; }
    echo "module examples: ${guide#guide_}.rst: $(grep -c '^PLAY \[' "$work/$guide.log") plays ran, none failed, in $((SECONDS - started))s"
done
echo "module examples: all checks passed"
