# shellcheck shell=bash
# Sourced by the runme.sh of the targets that run real hosts as containers with their own sshd,
# filesystem, address and Docker Engine (registry_role, release_multihost, systemd_host), which
# list needs/target/setup_ssh_hosts:
#     source "$(dirname "$0")/../setup_ssh_hosts/files/hosts.sh"
# The images come from files/host-image (target ssh-host or build-host) and files/systemd-host.
# Every name (containers, networks, directories) stays the caller's, with the caller's prefix.

# casa_host_start NAME HOSTNAME NETWORK DOCKER_DIR PUBLIC_KEY IMAGE [DOCKER RUN OPTIONS...]
# (Re)starts the container NAME of a host: DOCKER_DIR (created) holds its Docker Engine's data,
# and PUBLIC_KEY is the only way in, as casa (root has no key: everything root does goes through
# sudo). The privileges are those of docker-in-docker and of systemd as PID 1.
casa_host_start() {
    local name="$1" hostname="$2" network="$3" docker_dir="$4" public_key="$5" image="$6"
    shift 6
    mkdir -p "$docker_dir"
    docker rm -f "$name" >/dev/null 2>&1 || true
    docker run -d --name "$name" --hostname "$hostname" --network "$network" \
        --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
        --security-opt apparmor=unconfined --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
        -v "$docker_dir:/var/lib/docker" -v "$public_key:/home/casa/.ssh/authorized_keys:ro" \
        "$@" "$image" >/dev/null
}

# casa_systemd_host_start: casa_host_start for an image that boots systemd, which wants /run/lock
# and to know it runs in a container, and halts on SIGRTMIN+3 (so that docker stop and docker
# restart shut it down cleanly).
casa_systemd_host_start() {
    casa_host_start "$@" --tmpfs /run/lock -e container=docker --stop-signal SIGRTMIN+3
}

# casa_host_address NAME: the address of the container NAME on its network (asked each time: a
# restarted host may get another one).
casa_host_address() {
    docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
}

# casa_inventory_vars PRIVATE_KEY [LINE...]: the vars block (under all:) of an inventory of such
# hosts, Ansible logging in as casa with PRIVATE_KEY; each LINE ("key: value") is added to it.
casa_inventory_vars() {
    local line
    # Pipelining, as docs/hosts.md recommends: the hosts are reached the way a site's are.
    printf '  vars:\n    ansible_user: casa\n    ansible_pipelining: true\n'
    for line in "${@:2}"; do printf '    %s\n' "$line"; done
    printf '    ansible_ssh_private_key_file: %s\n' "$1"
    printf '    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null\n'
    printf '    ansible_python_interpreter: /usr/bin/python3\n'
}

# casa_wait_ssh ANSIBLE ARGUMENTS...: waits up to 30 s until Ansible reaches the hosts the
# arguments name (an inventory, a pattern, extra variables); the checks that follow say if not.
casa_wait_ssh() {
    for _ in $(seq 1 30); do
        ansible "$@" -m ansible.builtin.ping >/dev/null 2>&1 && return 0
        sleep 1
    done
    return 0
}

# casa_logs_in_as_casa ANSIBLE ARGUMENTS...: whether Ansible logs in as casa on the host named.
casa_logs_in_as_casa() {
    [ "$(ansible "$@" -m ansible.builtin.command -a whoami | tail -n 1)" = casa ]
}

# casa_wait_booted NAME TRIES: waits up to TRIES seconds until systemd in the container NAME has
# booted (running or degraded), and prints the last state it said.
casa_wait_booted() {
    local state=""
    for _ in $(seq 1 "$2"); do
        state="$(docker exec "$1" systemctl is-system-running 2>/dev/null || true)"
        case "$state" in running|degraded) break ;; esac
        sleep 1
    done
    echo "$state"
}
