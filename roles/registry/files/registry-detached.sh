#!/usr/bin/env bash
# Runs the registry detached, as its service user, on a host without an init system (a container,
# a CI job): "ensure" starts it when it is not running, "restart" stops it first, "stop" stops it. The pid file in
# /run tells a registry started here from any other process. Prints "registry-detached: changed"
# when it started or stopped something.
set -euo pipefail

action="$1" name="$2" config="$3" user="$4" log="$5"
pidfile="/run/$name.pid"

running() {
    local pid
    pid="$(cat "$pidfile" 2>/dev/null)" || return 1
    [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/bin/docker-registry ]
}

stop() {
    local pid _
    pid="$(cat "$pidfile")"
    kill "$pid"
    for _ in $(seq 1 50); do running || break; sleep 0.1; done
    running && kill -9 "$pid"
    rm -f "$pidfile"
}

start() {
    setsid setpriv --reuid="$user" --regid="$user" --init-groups /usr/bin/docker-registry serve "$config" >>"$log" 2>&1 </dev/null &
    echo "$!" >"$pidfile.tmp"
    mv -f "$pidfile.tmp" "$pidfile"
    sleep 0.5
    running && return 0
    echo "registry-detached: the registry stopped at once; the end of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
}

case "$action" in
    ensure) running && { echo "registry-detached: ok (running)"; exit 0; } ;;
    restart) if running; then stop; fi ;;
    stop)
        if running; then stop; echo "registry-detached: changed"; else echo "registry-detached: ok (not running)"; fi
        exit 0 ;;
    *) echo "registry-detached: unknown action $action" >&2; exit 2 ;;
esac
start
echo "registry-detached: changed"
