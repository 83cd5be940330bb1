# shellcheck shell=bash
# Sourced by the runme.sh of integration targets (which list needs/target/setup_ssh_hosts):
#     source "$(dirname "$0")/../setup_ssh_hosts/files/collection.sh"
#     top="$(casa_collection_dir)"
# ansible-test runs runme.sh from a copy of the target, so the collection under test is found
# through the collection path, not beside the script.

# Prints the directory of casa.distro in ANSIBLE_COLLECTIONS_PATH, or fails saying where it looked.
casa_collection_dir() {
    local path
    local -a collection_paths
    IFS=: read -ra collection_paths <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
    for path in "${collection_paths[@]}"; do
        if [ -f "$path/ansible_collections/casa/distro/galaxy.yml" ]; then
            echo "$path/ansible_collections/casa/distro"
            return 0
        fi
    done
    echo "FAIL: casa.distro not found in ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-}" >&2
    return 1
}
