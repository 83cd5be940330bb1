#!/usr/bin/env bash
# The release_summary callback on a tiny release: one image built from the shared base and
# pushed to the registry on 127.0.0.1:5000, converted to a SIF and published with a build
# number in a temporary publish directory. The JSON the callback writes must match what the
# registry serves (manifest digests over its HTTP API) and the published files (sha256, size,
# build number in index.json); no secret may reach it.
set -euo pipefail

work="$(mktemp -d -t casa-summary.XXXXXX)"
run_id="$RANDOM$RANDOM"
image="127.0.0.1:5000/casa-summary-$run_id/tiny"
cleanup() {
    docker rmi -f "$image:1" "$image:latest" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# setup_base_image is a role beside this target; the callback is enabled as a user would.
export ANSIBLE_ROLES_PATH=..
# Only it: ansible-test's junit callback would write the secret summary.yml feeds on purpose into
# a report of the test run (tests/utils/secret_scan.py searches them).
export ANSIBLE_CALLBACKS_ENABLED=casa.distro.release_summary
export CASA_RELEASE_SUMMARY_FILE="$work/out/summary.json"

echo "== a tiny release with the summary callback"
# The run's own output shows the planted token (a debug task prints it, as a role's would): it
# stays in the work directory, so that the test run's logs hold no secret; the summary is shown.
if ! ansible-playbook summary.yml -e "summary_image=$image" -e "summary_stamp=$run_id" -e "summary_work=$work" >"$work/run.log" 2>&1; then
    echo "FAIL: the release failed:"; grep -v not-a-real-secret-4242 "$work/run.log" | tail -40; exit 1
fi
sed -n '/^RELEASE SUMMARY/,$p' "$work/run.log"

echo "== the table ends the run"
grep -q '^RELEASE SUMMARY' "$work/run.log" || { echo "FAIL: no summary table in the output"; exit 1; }
grep -Eq "^  localhost +$image +1, latest +sha256:[0-9a-f]{12} +[0-9.]+ MiB +built$" "$work/run.log" \
    || { echo "FAIL: no table row for $image"; sed -n '/^RELEASE SUMMARY/,$p' "$work/run.log"; exit 1; }
grep -Eq "^  $work/tiny.sif +.* +1 +http://downloads.example.org/sif/casa-summary-tiny-1.sif +converted, published$" "$work/run.log" \
    || { echo "FAIL: no table row for the SIF"; sed -n '/^RELEASE SUMMARY/,$p' "$work/run.log"; exit 1; }
grep -q "^Release summary written to $CASA_RELEASE_SUMMARY_FILE$" "$work/run.log" || { echo "FAIL: the JSON file is not named"; exit 1; }

echo "== the JSON matches the registry and the publish directory"
[ "$(ls -A "$work/out")" = summary.json ] || { echo "FAIL: files left beside the summary: $(ls -A "$work/out")"; exit 1; }
python3 check_summary.py "$CASA_RELEASE_SUMMARY_FILE" "$image" "$work" "$(docker image inspect -f '{{.Size}}' "$image:1")"
if grep -q not-a-real-secret-4242 "$CASA_RELEASE_SUMMARY_FILE" || sed -n '/^RELEASE SUMMARY/,$p' "$work/run.log" | grep -q not-a-real-secret-4242; then
    echo "FAIL: a secret reached the summary"; exit 1
fi
echo "release summary: all checks passed"
