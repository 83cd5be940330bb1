#!/usr/bin/env bash
# Provisioning of a real host that boots systemd as PID 1 (a container running /sbin/init, with
# its own sshd, address and filesystem). Ansible logs in as casa, a user with passwordless sudo,
# and becomes root with casa_become. The host has no Docker Engine: build_host installs one and
# leaves dockerd and the registry as enabled services; publish_server runs the download server
# as an enabled service. After a reboot all three answer with nothing run; provisioning again
# changes nothing.
set -euo pipefail

# The SSH hosts' shell library (casa_host_start...), beside this target's copy.
source "$(dirname "$0")/../setup_ssh_hosts/files/collection.sh"
source "$(dirname "$0")/../setup_ssh_hosts/files/hosts.sh"
casa_collection_dir >/dev/null
container=casa-cleanup-sysd
work="$(mktemp -d /var/tmp/casa-cleanup-sysd.XXXXXX)"
cleanup() {
    docker rm -f "$container" >/dev/null 2>&1 || true
    docker network rm "$container" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

ansible-playbook setup.yml

ssh-keygen -q -t ed25519 -N '' -f "$work/id"
docker rm -f "$container" >/dev/null 2>&1 || true
# A network of its own: the host does not depend on the default bridge (docker0), which a
# docker-in-docker container on the host network of another test may take down.
docker network rm "$container" >/dev/null 2>&1 || true
docker network create "$container" >/dev/null
casa_systemd_host_start "$container" sysd "$container" "$work/docker" "$work/id.pub" casa-test/systemd-host:1
address() { casa_host_address "$container"; }
in_host() { docker exec "$container" "$@"; }
# shellcheck disable=SC2016 # ${Status} is dpkg-query's, not the shell's
installed() { [ "$(in_host dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
provision() { ansible-playbook -i "$work/inventory.yml" provision.yml -e "ansible_host=$(address)" "$@"; }
no_change() {
    grep -Eq "^sysd +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0" "$1" \
        || { echo "FAIL: provisioning sysd again changed something ($2)"; exit 1; }
}
wait_booted() {
    local state
    state="$(casa_wait_booted "$container" 90)"
    [ "$state" = running ] || { echo "FAIL: sysd did not boot cleanly ($state):"; in_host systemctl --failed --no-pager; exit 1; }
}

cat >"$work/inventory.yml" <<INVENTORY
all:
$(casa_inventory_vars "$work/id" "casa_become: true")
  children:
    systemd_hosts:
      hosts:
        sysd:
          publish_server_download_dir: /srv/download
          publish_server_listen: 0.0.0.0:8080
INVENTORY

wait_booted
casa_wait_ssh -i "$work/inventory.yml" systemd_hosts -e "ansible_host=$(address)"

echo "== sysd boots systemd and has no Docker Engine"
[ "$(in_host cat /proc/1/comm)" = systemd ] || { echo "FAIL: PID 1 of sysd is not systemd"; exit 1; }
if installed docker.io; then echo "FAIL: sysd is not a host without Docker Engine"; exit 1; fi

echo "== provisioning as casa without become is refused"
if provision -e casa_become=false >"$work/run0.log" 2>&1; then
    echo "FAIL: provisioning as casa without become succeeded"; exit 1
fi
grep -q "build_host installs packages and services, so it needs root on sysd" "$work/run0.log" \
    || { echo "FAIL: no clear message without become:"; grep -E 'fatal|msg' "$work/run0.log" | head -5; exit 1; }

echo "== provisioning installs Docker Engine and enables the services"
provision | tee "$work/run1.log"
installed docker.io || { echo "FAIL: no Docker Engine was installed on sysd"; exit 1; }
check_services() {
    local unit
    for unit in docker.service casa-distro-registry.service casa-distro-download.service; do
        [ "$(in_host systemctl is-enabled "$unit")" = enabled ] || { echo "FAIL: $unit is not enabled on sysd ($1)"; exit 1; }
        [ "$(in_host systemctl is-active "$unit")" = active ] || { echo "FAIL: $unit is not running on sysd ($1)"; exit 1; }
    done
    # The packages' own services stay off: Debian's registry would take :5000 on every address,
    # nginx's default site :80.
    for unit in docker-registry.service nginx.service; do
        if in_host systemctl is-enabled --quiet "$unit"; then echo "FAIL: $unit is enabled on sysd ($1)"; exit 1; fi
        if in_host systemctl is-active --quiet "$unit"; then echo "FAIL: $unit is running on sysd ($1)"; exit 1; fi
    done
    in_host docker info >/dev/null || { echo "FAIL: dockerd does not answer on sysd ($1)"; exit 1; }
    # The download server's master is the unit's main process, not a detached nginx.
    [ "$(in_host systemctl show -p MainPID --value casa-distro-download.service)" = "$(in_host cat /run/casa-distro-nginx.pid)" ] \
        || { echo "FAIL: the download server on sysd is not the service's process ($1)"; exit 1; }
}
check_services "after provisioning"
in_host sh -c 'echo "casa build 42" >/srv/download/probe.txt'
served() { curl -fsS --retry 5 --retry-connrefused --retry-delay 1 "http://$(address):${1:-8080}/probe.txt" 2>&1 || true; }
[ "$(served)" = "casa build 42" ] || { echo "FAIL: sysd does not serve its download area: $(served)"; exit 1; }
in_host sh -c 'tar -C /etc -c hostname os-release | docker import - 127.0.0.1:5000/probe/tiny:1 >/dev/null'
in_host docker push 127.0.0.1:5000/probe/tiny:1 >/dev/null

echo "== provisioning again changes nothing"
provision | tee "$work/run2.log"
no_change "$work/run2.log" "second run"

echo "== a changed download server configuration is reloaded, not restarted"
pid="$(in_host systemctl show -p MainPID --value casa-distro-download.service)"
provision -e publish_server_listen=0.0.0.0:8081 | tee "$work/run3.log"
grep -q "RUNNING HANDLER \[casa.distro.publish_server : Reload the download server\]" "$work/run3.log" \
    || { echo "FAIL: the changed configuration was not reloaded"; exit 1; }
[ "$(served 8081)" = "casa build 42" ] || { echo "FAIL: sysd does not serve on the new port: $(served 8081)"; exit 1; }
[ "$(in_host systemctl show -p MainPID --value casa-distro-download.service)" = "$pid" ] \
    || { echo "FAIL: the download server was restarted instead of reloaded"; exit 1; }
provision | tee "$work/run4.log"
[ "$(served)" = "casa build 42" ] || { echo "FAIL: sysd does not serve on its port again: $(served)"; exit 1; }

echo "== sysd reboots: dockerd, the registry and the download server come back by themselves"
docker restart -t 30 "$container" >/dev/null
wait_booted
check_services "after a reboot"
in_host curl -fsS http://127.0.0.1:5000/v2/probe/tiny/tags/list | grep -q '"1"' \
    || { echo "FAIL: the registry on sysd lost its image over the reboot"; exit 1; }
# The bridge may give the restarted host another address: address() asks again.
[ "$(served)" = "casa build 42" ] || { echo "FAIL: sysd does not serve its download area after a reboot: $(served)"; exit 1; }

echo "== provisioning after the reboot changes nothing"
provision | tee "$work/run5.log"
no_change "$work/run5.log" "after the reboot"
echo "systemd host: all checks passed"
