#!/usr/bin/env bash
# Runs every integration target, in three groups at the same time: most targets wait on SSH
# hosts, apt mirrors, registries and daemons rather than on the CPU, and the targets are written
# to share the machine (their own containers, networks, ports, registry repositories and work
# directories), so that `make test` stays well under the CI limit on two cores. The shared
# set-up targets run first, once. A target that no group names runs in the last group, so a new
# target is never left out; setup_* targets are never run as tests (ansible-test runs them only
# as dependencies, and setup_ssh_hosts is only files the SSH-host targets source). Each group's
# output is printed when it ends and kept in tests/output/integration-<group>.log.
# Usage: tests/utils/integration.sh (from the Makefile's integration target)
set -uo pipefail
top="$(cd "$(dirname "$0")/../.." && pwd)"
ansible_test=("$top/tests/utils/ansible-test.sh" integration --python 3.11 --local --allow-destructive --color no)
groups=(
    "release_multihost systemd_host casa_release_plan bad_input"
    "registry_role execution_environment release_stages build_workflows collection_package"
    "casa_docker_image casa_singularity_image module_examples subuser_repo release_summary"
)
setup_targets="setup_base_image setup_apptainer"

listed=" $setup_targets ${groups[*]} "
for dir in "$top"/tests/integration/targets/*/; do
    target="$(basename "$dir")"
    case "$target" in setup_*) continue ;; esac
    case "$listed" in
        *" $target "*) ;;
        *) groups[${#groups[@]}-1]+=" $target"; listed+="$target " ;;
    esac
done

logs="$top/tests/output"
mkdir -p "$logs"
echo "== integration: shared set-up ($setup_targets)"
# ansible-test runs setup_* targets only as dependencies: their roles are run here directly.
ANSIBLE_ROLES_PATH="$top/tests/integration/targets" ansible-playbook -i localhost, \
    "$top/tests/integration/setup-shared.yml" || { echo "FAIL: the shared set-up failed"; exit 1; }

pids=()
for index in "${!groups[@]}"; do
    echo "== integration group $((index + 1)): ${groups[index]}"
    # shellcheck disable=SC2086
    ( "${ansible_test[@]}" --continue-on-error ${groups[index]} ) >"$logs/integration-$((index + 1)).log" 2>&1 &
    pids+=("$!")
done

failed=0
for index in "${!groups[@]}"; do
    wait "${pids[index]}"
    status=$?
    echo "== integration group $((index + 1)) (${groups[index]}): exit $status"
    cat "$logs/integration-$((index + 1)).log"
    [ "$status" -eq 0 ] || failed=1
done
for index in "${!groups[@]}"; do
    grep -E "^(ERROR|FATAL): .*(failed|Command)" "$logs/integration-$((index + 1)).log" | sed "s/^/group $((index + 1)): /"
done
[ "$failed" -eq 0 ] || { echo "FAIL: some integration targets failed (see above)"; exit 1; }
echo "integration: all groups passed"
