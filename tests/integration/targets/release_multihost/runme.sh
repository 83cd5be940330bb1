#!/usr/bin/env bash
# The release pipeline over SSH on two real hosts: containers with their own sshd, filesystem,
# address and Docker Engine (docker-in-docker). build1 also runs the registry both hosts push
# to. Each host builds its own image family; a second run must change nothing. Ansible logs in
# as casa, a user with passwordless sudo, and becomes root with casa_become. build2 runs Docker
# CE (a stand-in package named docker-ce), which provisioning must keep. A third host, sysd,
# boots systemd: provisioning installs Docker Engine there and leaves dockerd and the registry
# as enabled services that come back after a reboot.
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
containers=(build1 build2 sysd)
cleanup() {
    for host in "${containers[@]}"; do docker rm -f "casa-mh-$host" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

ansible-playbook setup.yml

ssh-keygen -q -t ed25519 -N '' -f "$work/id"
# Only casa may log in (root has no key): everything root does goes through sudo.
start_host() {
    local host="$1" image="$2"; shift 2
    mkdir -p "$work/$host-docker"
    docker rm -f "casa-mh-$host" >/dev/null 2>&1 || true
    docker run -d --name "casa-mh-$host" --hostname "$host" \
        --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
        --security-opt apparmor=unconfined --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
        -v "$work/$host-docker:/var/lib/docker" -v "$work/id.pub:/home/casa/.ssh/authorized_keys:ro" \
        "$@" "$image" >/dev/null
}
for host in "${hosts[@]}"; do start_host "$host" casa-test/ssh-host:1; done
# systemd halts on SIGRTMIN+3, so that docker stop and docker restart shut it down cleanly.
start_host sysd casa-test/systemd-host:1 --tmpfs /run/lock -e container=docker --stop-signal SIGRTMIN+3
address() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "casa-mh-$1"; }
ip1="$(address build1)"
ip2="$(address build2)"
ip3="$(address sysd)"
registry="$ip1:5000"
in_host() { local host="$1"; shift; docker exec "casa-mh-$host" "$@"; }
# shellcheck disable=SC2016 # ${Status} is dpkg-query's, not the shell's
installed() { [ "$(in_host "$1" dpkg-query -W -f='${Status}' "$2" 2>/dev/null)" = "install ok installed" ]; }

echo "== build2 runs Docker CE instead of Debian's docker.io"
in_host build2 sh -c 'dpkg --purge docker.io >/dev/null && dpkg -i /opt/casa-test/docker-ce.deb >/dev/null'
if ! installed build2 docker-ce || installed build2 docker.io; then echo "FAIL: docker-ce did not replace docker.io on build2"; exit 1; fi
[ "$(in_host build2 sh -c 'command -v dockerd')" = /usr/bin/dockerd ] || { echo "FAIL: no docker-ce dockerd on build2"; exit 1; }

cat >"$work/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_user: casa
    casa_become: true
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
    systemd_hosts:
      hosts:
        sysd:
          ansible_host: $ip3
    release_managers: {}
    publish_hosts:
      hosts:
        build1:
          publish_server_download_dir: /srv/download
          publish_server_listen: "$ip1:8080"
INVENTORY

for _ in $(seq 1 30); do
    ansible -i "$work/inventory.yml" build_hosts,systemd_hosts -m ansible.builtin.ping >/dev/null 2>&1 && break
    sleep 1
done
[ "$(ansible -i "$work/inventory.yml" build1 -m ansible.builtin.command -a whoami | tail -n 1)" = casa ] \
    || { echo "FAIL: Ansible does not log in as casa"; exit 1; }

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

echo "== provisioning kept Docker CE on build2 and runs its dockerd"
installed build2 docker-ce || { echo "FAIL: docker-ce was removed from build2"; exit 1; }
if installed build2 docker.io; then echo "FAIL: docker.io was installed on build2"; exit 1; fi
# shellcheck disable=SC2016 # expanded on build2
[ "$(in_host build2 sh -c 'readlink /proc/$(pidof dockerd)/exe')" = /usr/bin/dockerd ] \
    || { echo "FAIL: the daemon on build2 is not docker-ce's dockerd"; exit 1; }

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

echo "== sysd boots systemd: provisioning installs Docker Engine and enables the services"
in_host sysd systemctl is-system-running --wait >/dev/null || true
if installed sysd docker.io; then echo "FAIL: sysd is not a host without Docker Engine"; exit 1; fi
if ansible-playbook -i "$work/inventory.yml" systemd-host.yml -e casa_become=false >"$work/sysd0.log" 2>&1; then
    echo "FAIL: provisioning as casa without become succeeded"; exit 1
fi
grep -q "build_host installs packages and services, so it needs root on sysd" "$work/sysd0.log" \
    || { echo "FAIL: no clear message without become:"; grep -E 'fatal|msg' "$work/sysd0.log" | head -5; exit 1; }
ansible-playbook -i "$work/inventory.yml" systemd-host.yml | tee "$work/sysd1.log"
installed sysd docker.io || { echo "FAIL: no Docker Engine was installed on sysd"; exit 1; }
check_services() {
    local unit
    for unit in docker.service casa-distro-registry.service; do
        [ "$(in_host sysd systemctl is-enabled "$unit")" = enabled ] || { echo "FAIL: $unit is not enabled on sysd ($1)"; exit 1; }
        [ "$(in_host sysd systemctl is-active "$unit")" = active ] || { echo "FAIL: $unit is not running on sysd ($1)"; exit 1; }
    done
    # The packages' own services stay off: Debian's registry would take :5000 on every address.
    for unit in docker-registry.service nginx.service; do
        if in_host sysd systemctl is-enabled --quiet "$unit"; then echo "FAIL: $unit is enabled on sysd ($1)"; exit 1; fi
    done
    in_host sysd docker info >/dev/null || { echo "FAIL: dockerd does not answer on sysd ($1)"; exit 1; }
}
check_services "after provisioning"
in_host sysd sh -c 'tar -C /etc -c hostname os-release | docker import - 127.0.0.1:5000/probe/tiny:1 >/dev/null'
in_host sysd docker push 127.0.0.1:5000/probe/tiny:1 >/dev/null

echo "== sysd reboots: dockerd and the registry come back by themselves"
docker restart -t 30 casa-mh-sysd >/dev/null
for _ in $(seq 1 60); do
    state="$(in_host sysd systemctl is-system-running 2>/dev/null || true)"
    case "$state" in running|degraded) break ;; esac
    sleep 1
done
[ "$state" = running ] || { echo "FAIL: sysd did not boot cleanly ($state):"; in_host sysd systemctl --failed --no-pager; exit 1; }
check_services "after a reboot"
in_host sysd curl -fsS http://127.0.0.1:5000/v2/probe/tiny/tags/list | grep -q '"1"' \
    || { echo "FAIL: the registry on sysd lost its image over the reboot"; exit 1; }
# The bridge may give the restarted host another address.
ansible-playbook -i "$work/inventory.yml" systemd-host.yml -e "ansible_host=$(address sysd)" | tee "$work/sysd2.log"
grep -Eq "^sysd +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0" "$work/sysd2.log" \
    || { echo "FAIL: provisioning sysd again after the reboot changed something"; exit 1; }
echo "multi-host release: all checks passed"
