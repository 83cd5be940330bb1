#!/usr/bin/env bash
# Installs and starts what casa.distro builds and tests need on a Debian/Ubuntu host, as root:
# Docker Engine (installed only when the host has none, started when no daemon answers), a
# registry, squashfs tools, siftool, debootstrap, git, nginx, and python3 with venv. Where systemd
# is PID 1, dockerd and the registry are enabled services that come back after a reboot;
# elsewhere (containers, CI) they are started detached. Idempotent: a second run installs and
# starts nothing and takes a few seconds. Used by the Makefile, .ci/run and the build_host role.
set -euo pipefail

# CASA_REGISTRY_ADDR unset: 127.0.0.1:5000; set to an empty string: no registry on this host.
REGISTRY_ADDR="${CASA_REGISTRY_ADDR-127.0.0.1:5000}"
STATE_DIR="${CASA_STATE_DIR:-/var/lib/casa-distro}"
LOG_DIR="${CASA_LOG_DIR:-/var/log/casa-distro}"
REGISTRY_UNIT=casa-distro-registry.service
UNIT_DIR=/etc/systemd/system
# python3-venv: the Makefile makes the dev virtualenv right after this script, and a minimal
# Debian 12 (debootstrap minbase, a cloud image) has no python3 at all.
PACKAGES=(docker-registry squashfs-tools squashfs-tools-ng siftool debootstrap
          git nginx curl ca-certificates rsync openssh-client python3 python3-venv)
# More packages for this host, space-separated (the Makefile adds the tools only tests need).
read -ra EXTRA_PACKAGES <<<"${CASA_EXTRA_PACKAGES:-}"
PACKAGES+=("${EXTRA_PACKAGES[@]}")
# Packages whose own service stays off when this script installs them: it runs what is needed,
# where it is needed (Debian's docker-registry would listen on every address on :5000, nginx on :80).
QUIET_PACKAGES=(docker-registry nginx)

log() { printf 'setup-host: %s\n' "$*"; }
fail() { printf 'setup-host: %s\n' "$*" >&2; exit 1; }
changed=0

[ "$(id -u)" -eq 0 ] || fail "must run as root (it installs packages and starts dockerd);" \
    "connect as root, or as a sudo user with become (casa_become: true in playbooks/release.yml)"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
daemon_answers() { docker info >/dev/null 2>&1; }
# sd_booted(3): systemd is PID 1 exactly when this directory exists. The build_host role passes
# what its tasks/init_system.yml found by the same rule (CASA_INIT_SYSTEM=systemd or none), so
# that the role and publish_server decide once.
systemd_booted() {
    case "${CASA_INIT_SYSTEM:-}" in systemd) return 0 ;; none) return 1 ;; esac
    [ -d /run/systemd/system ]
}
registry_answers() { curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }

# The Docker Engine already on the host, if any. Never replace one: Debian's docker.io conflicts
# with Docker's docker-ce and docker-ee, so installing it on such a host removes them.
docker_engine() {
    local pkg
    for pkg in docker-ce docker-ee moby-engine docker.io; do
        installed "$pkg" && { echo "package $pkg"; return 0; }
    done
    command -v dockerd >/dev/null 2>&1 && { command -v dockerd; return 0; }
    daemon_answers && { echo "a daemon answering"; return 0; }
    return 1
}

# Waits up to $1 seconds for the check $2 to succeed.
wait_for() {
    local seconds="$1" _; shift
    for _ in $(seq 1 "$seconds"); do "$@" && return 0; sleep 1; done
    "$@"
}

install_packages() {
    local missing=() pkg policy=/usr/sbin/policy-rc.d had_policy=0
    for pkg in "$@"; do installed "$pkg" || missing+=("$pkg"); done
    [ "${#missing[@]}" -gt 0 ] || return 0
    log "installing ${missing[*]}"
    # policy-rc.d keeps the packages from starting their services during the installation.
    [ -e "$policy" ] && had_policy=1
    [ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; }
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}"; } >>"$LOG_DIR/apt.log" 2>&1; then
        [ "$had_policy" = 1 ] || rm -f "$policy"
        echo "setup-host: installing ${missing[*]} failed; the end of $LOG_DIR/apt.log:" >&2
        tail -n 20 "$LOG_DIR/apt.log" >&2
        exit 1
    fi
    [ "$had_policy" = 1 ] || rm -f "$policy"
    # policy-rc.d does not stop a package from enabling its service for the next boot.
    if systemd_booted; then
        for pkg in "${QUIET_PACKAGES[@]}"; do
            [[ " ${missing[*]} " == *" $pkg "* ]] || continue
            if systemctl is-enabled --quiet "$pkg.service" 2>/dev/null; then systemctl disable --quiet --now "$pkg.service"; fi
        done
    fi
    changed=1
}

# Writes $2 to the file $1 when it differs; returns 0 when it wrote.
write_if_changed() {
    if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then return 1; fi
    printf '%s\n' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"
}

enable_service() {
    systemctl is-enabled --quiet "$1" 2>/dev/null && return 0
    log "enabling $1"
    systemctl enable --quiet "$1"
    changed=1
}

start_dockerd() {
    log "starting dockerd"
    if systemd_booted && systemctl cat docker.service >/dev/null 2>&1; then
        systemctl start docker.service
    else
        setsid dockerd --host unix:///var/run/docker.sock >"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
    fi
    changed=1
    wait_for 60 daemon_answers && return 0
    echo "setup-host: dockerd did not answer within 60 s; see $LOG_DIR/dockerd.log or journalctl -u docker:" >&2
    tail -n 20 "$LOG_DIR/dockerd.log" >&2 2>/dev/null || true
    exit 1
}

# dockerd: a service for the next boot where systemd runs; started now when nothing answers.
setup_dockerd() {
    if systemd_booted && systemctl cat docker.service >/dev/null 2>&1; then enable_service docker.service; fi
    daemon_answers || start_dockerd
}

# A plain registry (Docker trusts 127.0.0.0/8 without TLS; other addresses go to
# build_host_insecure_registries on the hosts that push there).
setup_registry() {
    local config unit restart=0
    [ -n "$REGISTRY_ADDR" ] || return 0
    mkdir -p "$STATE_DIR/registry"
    config="version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR"
    if systemd_booted; then
        unit="[Unit]
Description=casa.distro image registry on $REGISTRY_ADDR
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=$(command -v docker-registry) serve $STATE_DIR/registry.yml
Restart=on-failure
StandardOutput=append:$LOG_DIR/registry.log
StandardError=append:$LOG_DIR/registry.log

[Install]
WantedBy=multi-user.target"
        write_if_changed "$STATE_DIR/registry.yml" "$config" && restart=1
        if write_if_changed "$UNIT_DIR/$REGISTRY_UNIT" "$unit"; then systemctl daemon-reload; restart=1; fi
        enable_service "$REGISTRY_UNIT"
        if [ "$restart" = 1 ] && systemctl is-active --quiet "$REGISTRY_UNIT"; then
            log "restarting the registry on $REGISTRY_ADDR"
            systemctl restart "$REGISTRY_UNIT"
            changed=1
        fi
        # A registry already answering (started by hand or by an older set-up) keeps running.
        if ! registry_answers && ! systemctl is-active --quiet "$REGISTRY_UNIT"; then
            log "starting the registry on $REGISTRY_ADDR"
            systemctl start "$REGISTRY_UNIT"
            changed=1
        fi
    elif ! registry_answers; then
        log "starting the registry on $REGISTRY_ADDR"
        write_if_changed "$STATE_DIR/registry.yml" "$config" || true
        setsid docker-registry serve "$STATE_DIR/registry.yml" >"$LOG_DIR/registry.log" 2>&1 </dev/null &
        changed=1
    fi
    wait_for 30 registry_answers && return 0
    echo "setup-host: the registry did not answer on $REGISTRY_ADDR; see $LOG_DIR/registry.log:" >&2
    tail -n 20 "$LOG_DIR/registry.log" >&2
    exit 1
}

mkdir -p "$STATE_DIR" "$LOG_DIR"
if engine="$(docker_engine)"; then
    install_packages "${PACKAGES[@]}"
    [ "$changed" = 0 ] || log "kept the Docker Engine of this host ($engine)"
else
    install_packages docker.io "${PACKAGES[@]}"
fi
setup_dockerd
setup_registry

if [ "$changed" = 1 ]; then log "changed"; else log "ok (nothing to do)"; fi
