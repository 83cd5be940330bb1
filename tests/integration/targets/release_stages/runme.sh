#!/usr/bin/env bash
# The release playbook stage by stage, on a private copy of the bundled inventory (its own state
# directory, registry repositories under 127.0.0.1:5000/casa-stages/<run>/, publish directory):
# stages selected by tag and by casa_stages, a stage with nothing configured skipped with a
# message, `ansible-playbook casa.distro.release`, a dry run on the fresh set-up that says what it
# would do and creates nothing, a real run, and a dry run afterwards with nothing to do. Image
# names are typed once: the SIF and subuser stages take them from casa_built_images.
# Provisioning runs only in the dry run: for real it would reconfigure this machine's shared
# registry and download server (release_multihost provisions real hosts).
set -euo pipefail

# ansible-test runs this from a copy of the target: the collection is found through the collection
# path (setup_ssh_hosts/files/collection.sh, beside this target's copy).
source "$(dirname "$0")/../setup_ssh_hosts/files/collection.sh"
top="$(casa_collection_dir)"
docker info >/dev/null || { echo "FAIL: no Docker daemon"; exit 1; }
curl -fsS http://127.0.0.1:5000/v2/ >/dev/null || { echo "FAIL: no registry on 127.0.0.1:5000"; exit 1; }

work="$(mktemp -d /var/tmp/casa-stages.XXXXXX)"
run_id="$RANDOM$RANDOM"
repository="casa-stages/$run_id"
prefix="127.0.0.1:5000/$repository/"
state="$work/state"
cleanup() {
    docker images --format '{{.Repository}}:{{.Tag}}' | grep "^$prefix" | xargs -r docker rmi -f >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# The bundled inventory and image recipes, with every output moved into $work.
cp -r "$top/examples/inventory" "$top/examples/images" "$work/"
cat >"$work/inventory/group_vars/all.yml" <<VARS
---
casa_state_dir: $state
casa_registry: 127.0.0.1:5000
casa_image_prefix: "$prefix"
casa_download_url: http://127.0.0.1:8091
casa_download_listen: 127.0.0.1:8091
VARS
bash "$top/examples/components/make-demo-remotes.sh" "$state/demo" >/dev/null
inventory=(-i "$work/inventory/local.yml")
stages='{"casa_stages": ["plan", "images", "sif", "publish", "subuser", "workflows", "package"]}'

run() {  # run LOG ARGS...: the release playbook, its output kept in $work/LOG.log
    local log="$1"; shift
    ansible-playbook "${inventory[@]}" casa.distro.release "$@" >"$work/$log.log" 2>&1 \
        || { echo "FAIL: ansible-playbook $* failed:"; tail -40 "$work/$log.log"; exit 1; }
}
expect() {  # expect LOG TEXT: the output of a run says TEXT
    grep -qF -- "$2" "$work/$1.log" || { echo "FAIL: '$2' not in the output of $1:"; tail -40 "$work/$1.log"; exit 1; }
}
recap() {  # recap LOG CHANGED: the PLAY RECAP line of localhost
    grep -Eq "^localhost +: ok=[0-9]+ +changed=$2 +unreachable=0 +failed=0" "$work/$1.log" \
        || { echo "FAIL: $1 did not end with changed=$2:"; grep -A2 'PLAY RECAP' "$work/$1.log"; exit 1; }
}
nothing_created() {  # nothing_created WHEN: no image, SIF, publication or subuser repository yet
    local catalog
    catalog="$(curl -fsS 'http://127.0.0.1:5000/v2/_catalog?n=1000')"
    if grep -q "\"$repository/" <<<"$catalog"; then echo "FAIL: $1: images pushed under $repository/"; exit 1; fi
    if docker images --format '{{.Repository}}' | grep -q "^$prefix"; then echo "FAIL: $1: images made under $prefix"; exit 1; fi
    local made
    made="$(cd "$state" && find . -mindepth 1 -maxdepth 1 ! -name demo)"
    [ -z "$made" ] || { echo "FAIL: $1: files made in the state directory: $made"; exit 1; }
    if [ -e "$work/etc" ] || [ -e "$work/log" ]; then echo "FAIL: $1: download server files made"; exit 1; fi
}

echo "== the playbook of the collection: ansible-playbook casa.distro.release --list-tasks"
ansible-playbook "${inventory[@]}" casa.distro.release --list-tasks >"$work/list.log"
for role in build_host publish_server release_plan docker_images singularity_images subuser_repository; do
    grep -q "casa.distro.$role : " "$work/list.log" || { echo "FAIL: no task of casa.distro.$role listed"; cat "$work/list.log"; exit 1; }
done
for stage in provision plan images sif publish subuser workflows package; do
    grep -q "TAGS: \[.*$stage.*\]" "$work/list.log" || { echo "FAIL: no task tagged $stage"; exit 1; }
done

echo "== an unknown stage is refused, naming it"
if ansible-playbook "${inventory[@]}" casa.distro.release -e casa_stages=images,imgaes >"$work/bad.log" 2>&1; then
    echo "FAIL: casa_stages=imgaes was accepted"; exit 1
fi
expect bad "casa_stages: unknown stage(s) imgaes; the stages are provision, plan, images, sif, publish, subuser, workflows, package"

echo "== a stage with nothing configured is skipped with a message, by tag and by variable"
run empty-images-tag --tags images -e docker_images_recipes= -e docker_images_base=
expect empty-images-tag "stage images: nothing configured (docker_images_recipes is empty)"
run empty-images-var -e casa_stages=images -e docker_images_recipes= -e docker_images_base=
expect empty-images-var "stage images: nothing configured (docker_images_recipes is empty)"
expect empty-images-var "stage sif: not selected (casa_stages: images)"
run empty-sif -e casa_stages=sif -e singularity_images_list=
expect empty-sif "stage sif: nothing configured (singularity_images_list is empty)"
run empty-rest --tags plan,subuser,workflows,package -e release_plan_components_file= -e subuser_repository_dest=
expect empty-rest "stage plan: nothing configured (release_plan_components_file is empty)"
expect empty-rest "stage subuser: nothing configured (subuser_repository_dest is empty)"
expect empty-rest "stage workflows: nothing configured (build_workflows_repository is empty)"
expect empty-rest "stage package: nothing configured (collection_package_enabled is false)"
for log in empty-images-tag empty-images-var empty-sif empty-rest; do recap "$log" 0; done
nothing_created "stages with nothing configured"

echo "== dry run of every stage on the fresh set-up: says what it would do, makes nothing"
# Provisioning only in this dry run: the download server's files go under $work.
run check1 --check -e '{"casa_stages": ["provision", "plan", "images", "sif", "publish", "subuser", "workflows", "package"]}' \
    -e "publish_server_config_dir=$work/etc" -e "publish_server_log_dir=$work/log"
expect check1 "$work/etc"
expect check1 "Would bootstrap ${prefix}debian:bookworm"
expect check1 "Would build ${prefix}casa-run:latest (parent ${prefix}debian:bookworm would be rebuilt)"
expect check1 "Would build ${prefix}casa-tool:1.0 (parent ${prefix}casa-dev:latest would be rebuilt)"
expect check1 "Would push ${prefix}casa-dev:5.3 once built"
expect check1 "Would convert ${prefix}casa-run:5.3 once an earlier task built it"
expect check1 "Would convert ${prefix}casa-dev:5.3 once an earlier task built it"
expect check1 "Would publish casa-run-5.3 as casa-run-5.3-1.sif once converted"
expect check1 "Would create $state/subuser-repository.git and publish casa-run, casa-tool"
nothing_created "the dry run"

echo "== the real run"
run real1 -e "$stages"
catalog="$(curl -fsS 'http://127.0.0.1:5000/v2/_catalog?n=1000')"
for image in casa-run casa-dev casa-tool; do
    grep -q "\"$repository/$image\"" <<<"$catalog" || { echo "FAIL: $repository/$image is not in the registry"; exit 1; }
done
for sif in casa-run-5.3-1.sif casa-dev-5.3-1.sif; do
    [ -f "$state/download/$sif" ] || { echo "FAIL: $sif is not published"; ls -la "$state/download"; exit 1; }
done
# The image names flowed from the image stage: the SIF and the subuser sources name its images.
python3 - "$state/sif/casa-run-5.3.sif.json" "${prefix}casa-run:5.3" <<'PY'
import json, sys
side = json.load(open(sys.argv[1]))
assert side.get('image_version') == '5.3', side
assert sys.argv[2] in json.dumps(side), 'the side file does not name %s: %s' % (sys.argv[2], side)
PY
git -C "$state/subuser-repository.git" show HEAD:casa-run/image/SubuserImagefile | grep -qx "FROM ${prefix}casa-run:5.3" \
    || { echo "FAIL: the subuser source of casa-run does not start FROM ${prefix}casa-run:5.3"; exit 1; }
git -C "$state/subuser-repository.git" show HEAD:casa-tool/image/SubuserImagefile | grep -qx "FROM ${prefix}casa-tool:1.0" \
    || { echo "FAIL: the subuser source of casa-tool does not start FROM ${prefix}casa-tool:1.0"; exit 1; }

echo "== each stage alone, by tag and by variable: nothing to do"
for stage in plan images sif subuser; do
    run "tag-$stage" --tags "$stage"
    recap "tag-$stage" 0
    run "var-$stage" -e "casa_stages=$stage"
    recap "var-$stage" 0
    expect "var-$stage" "stage provision: not selected (casa_stages: $stage)"
done
expect tag-sif "casa-run-5.3 is up to date on the server"
expect var-subuser "Publish the image sources"

echo "== dry run on the up-to-date set-up: nothing to do"
run check2 --check -e "$stages"
recap check2 0
if grep -q "Would " "$work/check2.log"; then echo "FAIL: the second dry run would do something:"; grep "Would " "$work/check2.log"; exit 1; fi
echo "release stages: all checks passed"
