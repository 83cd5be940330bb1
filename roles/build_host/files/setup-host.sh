#!/usr/bin/env bash
# Installs and starts what casa.distro builds and tests need on a Debian/Ubuntu host, as root:
# Docker Engine (dockerd started when no daemon answers), a registry on 127.0.0.1, squashfs
# tools, siftool, debootstrap, git and nginx. Idempotent: a second run installs and starts
# nothing and takes a few seconds. Used by the Makefile, .ci/run and the build_host role.
set -euo pipefail

# CASA_REGISTRY_ADDR unset: 127.0.0.1:5000; set to an empty string: no registry on this host.
REGISTRY_ADDR="${CASA_REGISTRY_ADDR-127.0.0.1:5000}"
STATE_DIR="${CASA_STATE_DIR:-/var/lib/casa-distro}"
LOG_DIR="${CASA_LOG_DIR:-/var/log/casa-distro}"
PACKAGES=(docker.io docker-registry squashfs-tools squashfs-tools-ng siftool debootstrap
          git nginx curl ca-certificates rsync openssh-client)
# More packages for this host, space-separated (the Makefile adds the tools only tests need).
read -ra EXTRA_PACKAGES <<<"${CASA_EXTRA_PACKAGES:-}"
PACKAGES+=("${EXTRA_PACKAGES[@]}")

log() { printf 'setup-host: %s\n' "$*"; }
changed=0

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-host: must run as root (it installs packages and starts dockerd)" >&2
    exit 1
fi

mkdir -p "$STATE_DIR" "$LOG_DIR"

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    # Packages must not start their own services (nginx on :80, a registry on :5000):
    # this script starts what is needed, where it is needed.
    policy=/usr/sbin/policy-rc.d
    had_policy=0; [ -e "$policy" ] && had_policy=1
    [ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; }
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}"; } >>"$LOG_DIR/apt.log" 2>&1; then
        [ "$had_policy" = 1 ] || rm -f "$policy"
        echo "setup-host: installing ${missing[*]} failed; the end of $LOG_DIR/apt.log:" >&2
        tail -n 20 "$LOG_DIR/apt.log" >&2
        exit 1
    fi
    [ "$had_policy" = 1 ] || rm -f "$policy"
    changed=1
fi

# dockerd: no systemd here, so start it detached when nothing answers on the socket.
if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    setsid dockerd --host unix:///var/run/docker.sock >"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    if ! docker info >/dev/null 2>&1; then
        echo "setup-host: dockerd did not answer within 60 s; see $LOG_DIR/dockerd.log:" >&2
        tail -n 20 "$LOG_DIR/dockerd.log" >&2
        exit 1
    fi
    changed=1
fi

# A plain registry on loopback (Docker trusts 127.0.0.0/8 without TLS).
if [ -n "$REGISTRY_ADDR" ] && ! curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
    log "starting the registry on $REGISTRY_ADDR"
    mkdir -p "$STATE_DIR/registry"
    cat >"$STATE_DIR/registry.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
CONF
    setsid docker-registry serve "$STATE_DIR/registry.yml" >"$LOG_DIR/registry.log" 2>&1 </dev/null &
    for _ in $(seq 1 30); do curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break; sleep 1; done
    if ! curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
        echo "setup-host: the registry did not answer on $REGISTRY_ADDR; see $LOG_DIR/registry.log:" >&2
        tail -n 20 "$LOG_DIR/registry.log" >&2
        exit 1
    fi
    changed=1
fi

if [ "$changed" = 1 ]; then log "changed"; else log "ok (nothing to do)"; fi
