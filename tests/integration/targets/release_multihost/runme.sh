#!/usr/bin/env bash
# The release pipeline over SSH on a site of five real hosts: containers with their own sshd,
# filesystem, address and Docker Engine (docker-in-docker). reg runs the registry, pub the
# download server; build1, build2 and build3 split one image family by their host variables:
# build1 and build3 (stage 0) build casa-run for two systems at the same time, build2 (stage 1)
# builds casa-dev and casa-tool on the casa-run build1 pushed, pulled by digest. build1 and build2
# convert SIF images that go to pub through the registry (Apptainer's oras:// form), never through
# the controller. Ansible logs in as casa, a user with passwordless sudo, and becomes root with
# casa_become. build2 runs Docker CE (a stand-in package named docker-ce), which provisioning keeps.
set -euo pipefail

# The SSH hosts' shell library (casa_host_start...), beside this target's copy.
source "$(dirname "$0")/../setup_ssh_hosts/files/collection.sh"
source "$(dirname "$0")/../setup_ssh_hosts/files/hosts.sh"
top="$(casa_collection_dir)"
work="$(mktemp -d /var/tmp/casa-mh.XXXXXX)"
hosts=(reg pub build1 build2 build3)
apptainer_image=casa-test/apptainer:sid
# The hosts have a network of their own: nothing depends on the daemon's default bridge.
network=casa-mh-net
cleanup() {
    for host in "${hosts[@]}"; do docker rm -f "casa-mh-$host" >/dev/null 2>&1 || true; done
    docker network rm "$network" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
started_at=$SECONDS
docker network inspect "$network" >/dev/null 2>&1 || docker network create "$network" >/dev/null

ansible-playbook setup.yml -e "casa_test_network=$network"
# A real Apptainer (the image of setup_apptainer, made once and reused).
bash ../setup_apptainer/files/setup-apptainer.sh "$apptainer_image" | tail -n 1

ssh-keygen -q -t ed25519 -N '' -f "$work/id"
for host in "${hosts[@]}"; do
    casa_host_start "casa-mh-$host" "$host" "$network" "$work/$host-docker" "$work/id.pub" casa-mh/host:1
done
address() { casa_host_address "casa-mh-$1"; }
declare -A ip
for host in "${hosts[@]}"; do ip[$host]="$(address "$host")"; done
registry="${ip[reg]}:5000"
download="http://${ip[pub]}:8080"
in_host() { local host="$1"; shift; docker exec "casa-mh-$host" "$@"; }
# shellcheck disable=SC2016 # ${Status} is dpkg-query's, not the shell's
installed() { [ "$(in_host "$1" dpkg-query -W -f='${Status}' "$2" 2>/dev/null)" = "install ok installed" ]; }

echo "== build2 runs Docker CE instead of Debian's docker.io"
in_host build2 sh -c 'dpkg --purge docker.io >/dev/null && dpkg -i /opt/casa-test/docker-ce.deb >/dev/null'
if ! installed build2 docker-ce || installed build2 docker.io; then echo "FAIL: docker-ce did not replace docker.io on build2"; exit 1; fi

cat >"$work/inventory.yml" <<INVENTORY
all:
$(casa_inventory_vars "$work/id" "casa_become: true")
  children:
    registry_hosts:
      hosts:
        reg:
          ansible_host: ${ip[reg]}
          build_host_registry_address: "$registry"
    publish_hosts:
      hosts:
        pub:
          ansible_host: ${ip[pub]}
          publish_server_download_dir: /srv/download
          publish_server_listen: "${ip[pub]}:8080"
    build_hosts:
      vars:
        build_host_registry_address: ""
        build_host_insecure_registries: ["$registry"]
        docker_images_recipes_src: $top/examples/images
        docker_images_recipes: /srv/casa/recipes
        docker_images_name_prefix: $registry/casa/
        docker_images_template_parameters: {base_image: "127.0.0.1:5000/casa/debian:bookworm"}
        docker_images_push: true
        singularity_images_dir: /srv/sif
        singularity_images_publish: true
        singularity_images_publish_host: pub
        singularity_images_publish_dir: /srv/download
        singularity_images_base_url: "$download/"
        singularity_images_registry: "$registry"
        singularity_images_registry_plain_http: true
        # Where a SIF would land if it went through the controller: it must stay absent.
        singularity_images_transfer_dir: $work/controller-transfer
      hosts:
        build1:
          ansible_host: ${ip[build1]}
          docker_images_stage: 0
          docker_images_patterns: ["*/casa-run"]
          singularity_images_list: [{image: "$registry/casa/casa-run:5.3", name: casa-run-5.3, metadata: {type: run, image_version: "5.3"}}]
        build2:
          ansible_host: ${ip[build2]}
          docker_images_stage: 1
          docker_images_patterns: ["*/casa-dev", "*/casa-tool"]
          singularity_images_list: [{image: "$registry/casa/casa-dev:5.3", name: casa-dev-5.3, metadata: {type: dev, image_version: "5.3"}}]
        build3:
          ansible_host: ${ip[build3]}
          docker_images_stage: 0
          docker_images_name_prefix: $registry/casa-sys2/
          docker_images_patterns: ["*/casa-run"]
    release_managers: {}
INVENTORY
inventory=(-i "$work/inventory.yml")

casa_wait_ssh "${inventory[@]}" all
casa_logs_in_as_casa "${inventory[@]}" build1 || { echo "FAIL: Ansible does not log in as casa"; exit 1; }

echo "== provisioning: the registry host, then the build and publish hosts"
ansible-playbook "${inventory[@]}" registry-host.yml >"$work/provision-reg.log" \
    || { tail -30 "$work/provision-reg.log"; exit 1; }
curl -fsS "http://$registry/v2/" >/dev/null || { echo "FAIL: no registry on reg"; exit 1; }
ansible-playbook "${inventory[@]}" "$top/playbooks/release.yml" --tags provision >"$work/provision.log" \
    || { tail -30 "$work/provision.log"; exit 1; }
# The base system of the roots, from the controller's daemon (no debootstrap on every host).
for host in build1 build3; do
    docker save 127.0.0.1:5000/casa/debian:bookworm | docker exec -i "casa-mh-$host" docker load >/dev/null
done

site() { ansible-playbook "${inventory[@]}" site.yml -e "casa_release_playbook=$top/playbooks/release.yml" "$@"; }
echo "== first run"
run1_start=$SECONDS
site -e "reported_file=$work/reported1.json" | tee "$work/run1.log"
echo "first run: $((SECONDS - run1_start)) s"

echo "== what each build host reported is what the registry holds, parents pinned by digest, builds overlapped"
python3 files/check_run.py "$work/reported1.json" "$registry" first

echo "== provisioning kept Docker CE on build2 and runs its dockerd"
installed build2 docker-ce || { echo "FAIL: docker-ce was removed from build2"; exit 1; }
if installed build2 docker.io; then echo "FAIL: docker.io was installed on build2"; exit 1; fi
# shellcheck disable=SC2016 # expanded on build2
[ "$(in_host build2 sh -c 'readlink /proc/$(pidof dockerd)/exe')" = /usr/bin/dockerd ] \
    || { echo "FAIL: the daemon on build2 is not docker-ce's dockerd"; exit 1; }

echo "== the image built on build2 (on build1's casa-run) runs on build3"
out="$(in_host build3 docker run --rm "$registry/casa/casa-tool:1.0")"
[ "$out" = "hello from casa-tool" ] || { echo "FAIL: casa-tool printed: $out"; exit 1; }

echo "== the SIF images are served by pub, as the index says"
index="$(curl -fsS "$download/index.json")"
for name in casa-run-5.3 casa-dev-5.3; do
    sha="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["images"][sys.argv[1]]["builds"][-1]["sha256"])' "$name" <<<"$index")"
    curl -fsS -o "$work/$name.sif" "$download/$name-latest.sif"
    [ "$(sha256sum "$work/$name.sif" | cut -d' ' -f1)" = "$sha" ] || { echo "FAIL: the downloaded $name does not match the index"; exit 1; }
    siftool list "$work/$name.sif" | grep -q 'FS (Squashfs/\*System/' || { echo "FAIL: no system partition in $name"; exit 1; }
done
if curl -fsS -o /dev/null "$download/.incoming/"; then echo "FAIL: uploads in progress are served"; exit 1; fi
[ ! -e "$work/controller-transfer" ] || { echo "FAIL: a SIF went through the controller"; exit 1; }

echo "== Apptainer pulls the SIF build2 pushed from the registry and runs it"
docker run --rm --network "$network" --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
    --security-opt apparmor=unconfined --device /dev/fuse -v "$work:/w" "$apptainer_image" sh -c "
        apptainer -s pull --no-https /w/pulled.sif oras://$registry/casa-distro/sif/casa-dev-5.3:5.3 &&
        apptainer -s run -u /w/pulled.sif cat /casa/bootstrap/README" >"$work/apptainer.out"
[ "$(cat "$work/apptainer.out")" = "casa-dev 5.3" ] || { echo "FAIL: apptainer run printed: $(cat "$work/apptainer.out")"; exit 1; }
cmp -s "$work/pulled.sif" "$work/casa-dev-5.3.sif" || { echo "FAIL: apptainer pulled another SIF than the published one"; exit 1; }

echo "== second run: nothing to do on any host"
ansible-playbook "${inventory[@]}" registry-host.yml >"$work/run2.log"
site -e "reported_file=$work/reported2.json" | tee -a "$work/run2.log"
for host in "${hosts[@]}"; do
    grep -Eq "^$host +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0" "$work/run2.log" \
        || { echo "FAIL: $host changed something on the second run"; exit 1; }
done
python3 files/check_run.py "$work/reported2.json" "$registry" again

echo "== memory of a SIF transfer of 210 MB: push to the registry, then publish from it"
mkdir -p "$work/big" "$work/download"
head -c 220200960 /dev/urandom >"$work/big/data.bin"
siftool new "$work/big/big.sif" && siftool add --datatype 7 "$work/big/big.sif" "$work/big/data.bin"
rm "$work/big/data.bin"
big_size="$(stat -c %s "$work/big/big.sif")"
big_sha="$(sha256sum "$work/big/big.sif" | cut -d' ' -f1)"
peak() { grep 'Maximum resident set size' "$1" | awk '{print $NF}'; }
/usr/bin/time -v -o "$work/ping.time" ansible localhost -m ansible.builtin.ping >/dev/null
/usr/bin/time -v -o "$work/push.time" ansible localhost -m casa.distro.casa_singularity_image \
    -a "state=pushed src=$work/big/big.sif dest=oras://$registry/casa-mh/big:1 registry_plain_http=true" >"$work/push.out"
reference="$(grep -o "oras://$registry/casa-mh/big@sha256:[0-9a-f]*" "$work/push.out" | head -n 1)"
[ -n "$reference" ] || { echo "FAIL: the push returned no reference:"; cat "$work/push.out"; exit 1; }
/usr/bin/time -v -o "$work/pull.time" ansible localhost -m casa.distro.casa_singularity_image -a "$(printf \
    '{"state": "published", "publish_dir": "%s", "source": "%s", "registry_plain_http": true, "metadata": {"name": "big", "sha256": "%s", "size": %s}}' \
    "$work/download" "$reference" "$big_sha" "$big_size")" >"$work/pull.out"
cmp -s "$work/big/big.sif" "$work/download/big-1.sif" || { echo "FAIL: the SIF published from the registry differs"; exit 1; }
echo "SIF of $((big_size >> 20)) MiB; peak memory (KiB, Ansible included): ping $(peak "$work/ping.time"), push $(peak "$work/push.time"), download and publish $(peak "$work/pull.time")"
for step in push pull; do
    # Far below the SIF: the Ansible process itself plus a few chunks.
    [ "$(peak "$work/$step.time")" -lt $(( (big_size >> 10) / 2 )) ] \
        || { echo "FAIL: the $step of the SIF took $(peak "$work/$step.time") KiB"; exit 1; }
done

echo "== a recipe file deleted on the controller is deleted on the hosts"
in_host build2 touch /srv/casa/recipes/casa-tool/stale-file
ansible-playbook "${inventory[@]}" "$top/playbooks/release.yml" --limit build2 >"$work/run3.log"
if in_host build2 test -e /srv/casa/recipes/casa-tool/stale-file; then
    echo "FAIL: the stale recipe file is still on build2"; exit 1
fi

echo "== pub, the publish host, goes down"
docker stop casa-mh-pub >/dev/null
if ansible-playbook "${inventory[@]}" sif-only.yml --limit build2 >"$work/run4.log" 2>&1; then
    echo "FAIL: publishing succeeded without its publish host"; exit 1
fi
if ! grep -q "UNREACHABLE" "$work/run4.log" || ! grep -q "${ip[pub]}" "$work/run4.log"; then
    echo "FAIL: the unreachable publish host is not named:"; tail -20 "$work/run4.log"; exit 1
fi

echo "== reg, the registry host, goes down"
docker stop casa-mh-reg >/dev/null
if ansible-playbook "${inventory[@]}" "$top/playbooks/release.yml" --limit build2 >"$work/run5.log" 2>&1; then
    echo "FAIL: the release succeeded without its registry"; exit 1
fi
grep -q "Cannot look up $registry/casa/.* in its registry (after 4 attempt(s))" "$work/run5.log" \
    || { echo "FAIL: no clear registry error:"; grep -E 'fatal|msg' "$work/run5.log" | head -5; exit 1; }
if ansible-playbook "${inventory[@]}" sif-only.yml --limit build2 >"$work/run6.log" 2>&1; then
    echo "FAIL: pushing a SIF succeeded without its registry"; exit 1
fi
grep -q "Cannot read the manifest casa-distro/sif/casa-dev-5.3:5.3 on $registry (after 4 attempt(s))" "$work/run6.log" \
    || { echo "FAIL: no clear registry error for the SIF:"; grep -E 'fatal|msg' "$work/run6.log" | head -5; exit 1; }
echo "multi-host release: all checks passed in $((SECONDS - started_at)) s"
