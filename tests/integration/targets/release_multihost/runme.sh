#!/usr/bin/env bash
# The release pipeline over SSH on two real hosts: containers with their own sshd, filesystem,
# address and Docker Engine (docker-in-docker). build1 also runs the registry both hosts push
# to. Each host builds its own image family; a second run must change nothing.
set -euo pipefail

# ansible-test runs this from a copy of the target: find the collection through the collection path.
top=""
IFS=: read -ra collection_paths <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
for path in "${collection_paths[@]}"; do
    [ -f "$path/ansible_collections/casa/distro/galaxy.yml" ] && { top="$path/ansible_collections/casa/distro"; break; }
done
[ -n "$top" ] || { echo "FAIL: casa.distro not found in ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-}"; exit 1; }
work="$(mktemp -d /var/tmp/casa-multihost.XXXXXX)"
hosts=(build1 build2)
cleanup() {
    for host in "${hosts[@]}"; do docker rm -f "casa-mh-$host" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

ansible-playbook setup.yml

ssh-keygen -q -t ed25519 -N '' -f "$work/id"
for host in "${hosts[@]}"; do
    mkdir -p "$work/$host-docker"
    docker rm -f "casa-mh-$host" >/dev/null 2>&1 || true
    docker run -d --name "casa-mh-$host" --hostname "$host" \
        --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
        --security-opt apparmor=unconfined --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
        -v "$work/$host-docker:/var/lib/docker" -v "$work/id.pub:/root/.ssh/authorized_keys:ro" \
        casa-test/ssh-host:1 >/dev/null
done
address() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "casa-mh-$1"; }
ip1="$(address build1)"
ip2="$(address build2)"
registry="$ip1:5000"

cat >"$work/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: $work/id
    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    ansible_python_interpreter: /usr/bin/python3
  children:
    build_hosts:
      vars:
        build_host_insecure_registries: ["$registry"]
        docker_images_recipes_src: $top/examples/images
        docker_images_recipes: /srv/casa/recipes
        docker_images_push: true
      hosts:
        build1:
          ansible_host: $ip1
          build_host_registry_address: "$registry"
          docker_images_name_prefix: $registry/casa-a/
          docker_images_base: {name: "$registry/casa-a/debian", tags: [bookworm], suite: bookworm}
          docker_images_template_parameters: {base_image: "$registry/casa-a/debian:bookworm"}
        build2:
          ansible_host: $ip2
          build_host_registry_address: ""
          docker_images_name_prefix: $registry/casa-b/
          docker_images_base: {name: "$registry/casa-b/debian", tags: [bookworm], suite: bookworm}
          docker_images_template_parameters: {base_image: "$registry/casa-b/debian:bookworm"}
          # build2 converts a SIF and publishes it on build1: it travels through the controller.
          singularity_images_dir: /srv/sif
          singularity_images_list: [{image: "$registry/casa-b/casa-run:5.3", name: casa-b-run, metadata: {type: run}}]
          singularity_images_publish: true
          singularity_images_publish_host: build1
          singularity_images_publish_dir: /srv/download
          singularity_images_base_url: "http://$ip1:8080/"
          singularity_images_transfer_dir: $work/transfer
    release_managers: {}
    publish_hosts:
      hosts:
        build1:
          publish_server_download_dir: /srv/download
          publish_server_listen: "$ip1:8080"
INVENTORY

for _ in $(seq 1 30); do
    ansible -i "$work/inventory.yml" build_hosts -m ansible.builtin.ping >/dev/null 2>&1 && break
    sleep 1
done

echo "== first run"
ansible-playbook -i "$work/inventory.yml" "$top/playbooks/release.yml" | tee "$work/run1.log"

echo "== what the registry on build1 holds"
catalog="$(curl -fsS "http://$registry/v2/_catalog")"
echo "$catalog"
for image in casa-a/casa-run casa-a/casa-dev casa-a/casa-tool casa-b/casa-run casa-b/casa-dev casa-b/casa-tool; do
    grep -q "\"$image\"" <<<"$catalog" || { echo "FAIL: $image is not in the registry"; exit 1; }
done
tags="$(curl -fsS "http://$registry/v2/casa-b/casa-run/tags/list")"
if ! grep -q '"5.3"' <<<"$tags" || ! grep -q '"latest"' <<<"$tags"; then
    echo "FAIL: casa-b/casa-run tags: $tags"; exit 1
fi

echo "== the image built on build2 runs on build1"
out="$(docker exec casa-mh-build1 docker run --rm "$registry/casa-b/casa-tool:1.0")"
[ "$out" = "hello from casa-tool" ] || { echo "FAIL: casa-tool printed: $out"; exit 1; }

echo "== the SIF built on build2 is served by build1"
index="$(curl -fsS "http://$ip1:8080/index.json")"
sha="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["images"]["casa-b-run"]["builds"][-1]["sha256"])' <<<"$index")"
curl -fsS -o "$work/downloaded.sif" "http://$ip1:8080/casa-b-run-latest.sif"
[ "$(sha256sum "$work/downloaded.sif" | cut -d' ' -f1)" = "$sha" ] || { echo "FAIL: the downloaded SIF does not match the index"; exit 1; }
siftool list "$work/downloaded.sif" | grep -q 'FS (Squashfs/\*System/' || { echo "FAIL: no system partition in the SIF"; exit 1; }
if curl -fsS -o /dev/null "http://$ip1:8080/.incoming/"; then echo "FAIL: uploads in progress are served"; exit 1; fi

echo "== second run: nothing to do"
ansible-playbook -i "$work/inventory.yml" "$top/playbooks/release.yml" | tee "$work/run2.log"
for host in "${hosts[@]}"; do
    grep -Eq "^$host +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0" "$work/run2.log" \
        || { echo "FAIL: $host changed something on the second run"; exit 1; }
done

echo "== a recipe file deleted on the controller is deleted on the hosts"
docker exec casa-mh-build2 touch /srv/casa/recipes/casa-tool/stale-file
ansible-playbook -i "$work/inventory.yml" "$top/playbooks/release.yml" --limit build2 >"$work/run3.log"
if docker exec casa-mh-build2 test -e /srv/casa/recipes/casa-tool/stale-file; then
    echo "FAIL: the stale recipe file is still on build2"; exit 1
fi
echo "== build1, the registry and publish host, goes down"
docker stop casa-mh-build1 >/dev/null
if ansible-playbook -i "$work/inventory.yml" "$top/playbooks/release.yml" --limit build2 >"$work/run4.log" 2>&1; then
    echo "FAIL: the release succeeded without its registry"; exit 1
fi
grep -q "Cannot look up $registry/casa-b/.* in its registry (after 4 attempt(s))" "$work/run4.log" \
    || { echo "FAIL: no clear registry error:"; grep -E 'fatal|msg' "$work/run4.log" | head -5; exit 1; }
if ansible-playbook -i "$work/inventory.yml" sif-only.yml --limit build2 >"$work/run5.log" 2>&1; then
    echo "FAIL: publishing succeeded without its publish host"; exit 1
fi
if ! grep -q "UNREACHABLE" "$work/run5.log" || ! grep -q "$ip1" "$work/run5.log"; then
    echo "FAIL: the unreachable publish host is not named:"; tail -20 "$work/run5.log"; exit 1
fi
echo "multi-host release: all checks passed"
