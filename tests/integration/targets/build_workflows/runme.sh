#!/usr/bin/env bash
# ansible-test would run a role target named like a role of the collection as that role (the
# collection's role wins): this target runs its tasks from a playbook instead.
set -euo pipefail
ansible-playbook -i ../../inventory play.yml -e "output_dir=${OUTPUT_DIR}" "$@"
