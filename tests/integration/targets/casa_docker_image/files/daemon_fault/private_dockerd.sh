#!/usr/bin/env bash
# A private Docker daemon for the daemon-stopped-mid-build fault (daemon_fault.yml): its own
# socket, data root, exec root (and so its own containerd), pid file, configuration file and
# containerd namespaces, so that killing it never touches the daemon other tests use. It runs in
# a network namespace of its own: a dockerd started with --bridge none deletes the interface
# docker0, which in the host's namespace is the other daemon's default bridge.
# Usage: private_dockerd.sh start|kill-mid-build|stop DIR
#   start           start dockerd on unix://DIR/docker.sock and wait until it answers
#   kill-mid-build  wait until a build container runs (a RUN step started), then SIGKILL dockerd
#   stop            stop dockerd and its containerd (SIGTERM, then SIGKILL after 30 s)
set -euo pipefail
action="$1"
dir="$(cd "$2" && pwd)"
sock="unix://$dir/docker.sock"
# containerd namespaces are letters and digits joined by single . _ or -, ending with a letter or
# digit: the random name of the directory may end with _ (mktemp), so only its letters and
# digits are kept.
base="$(basename "$dir")"
ns="casatest${base//[^A-Za-z0-9]/}"

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_gone() {
    local pid_file="$1" tries="$2"
    for _ in $(seq "$tries"); do
        alive "$pid_file" || return 0
        sleep 0.2
    done
    return 1
}

case "$action" in
start)
    if alive "$dir/dockerd.pid"; then
        echo "dockerd already runs with pid $(cat "$dir/dockerd.pid")" >&2
        exit 1
    fi
    [ -f "$dir/daemon.json" ] || printf '{}\n' >"$dir/daemon.json"
    setsid unshare --net -- dockerd --config-file "$dir/daemon.json" --host "$sock" \
        --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
        --bridge none --iptables=false --ip-masq=false \
        --containerd-namespace "$ns" --containerd-plugins-namespace "$ns-plugins" \
        >>"$dir/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 150); do
        if docker -H "$sock" version >/dev/null 2>&1; then
            echo "dockerd started on $sock"
            exit 0
        fi
        sleep 0.2
    done
    echo "dockerd did not answer on $sock within 30 s; its log ends with:" >&2
    tail -n 20 "$dir/dockerd.log" >&2
    exit 1
    ;;
kill-mid-build)
    # The RUN step of the build is the only container this daemon ever runs.
    for _ in $(seq 300); do
        if [ -n "$(docker -H "$sock" ps -q 2>/dev/null)" ]; then
            kill -KILL "$(cat "$dir/dockerd.pid")"
            wait_gone "$dir/dockerd.pid" 50 || { echo "dockerd survived SIGKILL" >&2; exit 1; }
            echo "dockerd killed while a build step was running"
            exit 0
        fi
        sleep 0.2
    done
    # What the daemon was doing instead: the build's containers and the end of its log.
    echo "no build step started within 60 s; containers of the daemon:" >&2
    docker -H "$sock" ps --all --no-trunc >&2 || true
    echo "its log ends with:" >&2
    tail -n 30 "$dir/dockerd.log" >&2
    exit 1
    ;;
stop)
    for pid_file in "$dir/dockerd.pid" "$dir/exec/containerd/containerd.pid"; do
        if alive "$pid_file"; then
            kill -TERM "$(cat "$pid_file")"
            wait_gone "$pid_file" 150 || kill -KILL "$(cat "$pid_file")" 2>/dev/null || true
        fi
    done
    # Mounts the daemon may have left (an overlay or its shm) would keep the directory busy.
    { grep -F " $dir/" /proc/self/mounts || true; } | cut -d' ' -f2 | sort -r | while read -r mount_point; do
        umount -l "$mount_point" || true
    done
    echo "dockerd stopped"
    ;;
*)
    echo "usage: $0 start|kill-mid-build|stop DIR" >&2
    exit 2
    ;;
esac
