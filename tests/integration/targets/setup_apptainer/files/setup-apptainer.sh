#!/usr/bin/env bash
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Makes a Docker image holding a real Apptainer (plus squashfuse), to run and build SIF files in
# tests. Debian sid's apptainer needs a newer libc than the host has, so the image comes from a
# debootstrapped sid root filesystem (no public registry is needed), then apt installs apptainer.
# Idempotent: when the image already exists nothing is done. The last line of the output is
# "setup-apptainer: changed" or "setup-apptainer: ok (nothing to do)".
#
# Usage: setup-apptainer.sh [IMAGE]   (default casa-test/apptainer:sid, or $CASA_APPTAINER_IMAGE)
# Run the result with:
#   docker run --rm --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
#     --security-opt apparmor=unconfined --device /dev/fuse -v DIR:/w IMAGE apptainer exec -u /w/x.sif ...
set -euo pipefail

IMAGE="${1:-${CASA_APPTAINER_IMAGE:-casa-test/apptainer:sid}}"
MIRROR="${CASA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOTFS_IMAGE="${IMAGE%%:*}-rootfs:sid"

log() { printf 'setup-apptainer: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-apptainer: must run as root (debootstrap)" >&2
    exit 1
fi
for tool in docker debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "setup-apptainer: $tool is missing; run scripts/setup-host.sh first" >&2
        exit 1
    }
done
docker info >/dev/null 2>&1 || {
    echo "setup-apptainer: the Docker daemon does not answer; run scripts/setup-host.sh first" >&2
    exit 1
}

# Two test runs at once must not bootstrap twice: one waits for the other.
lock_dir="${CASA_STATE_DIR:-/var/lib/casa-distro}"
mkdir -p "$lock_dir"
exec 9>"$lock_dir/setup-apptainer.lock"
flock 9

if docker image inspect "$IMAGE" >/dev/null 2>&1 \
        && docker run --rm --entrypoint apptainer "$IMAGE" --version >/dev/null 2>&1; then
    log "ok (nothing to do)"
    exit 0
fi

work="$(mktemp -d "${TMPDIR:-/var/tmp}/setup-apptainer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if ! docker image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1; then
    log "bootstrapping a Debian sid root filesystem from $MIRROR"
    debootstrap --variant=minbase sid "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
        tail -n 30 "$work/debootstrap.log" >&2
        echo "setup-apptainer: debootstrap of sid failed (log above)" >&2
        exit 1
    }
    tar -C "$work/rootfs" -c . | docker import - "$ROOTFS_IMAGE" >/dev/null
    rm -rf "$work/rootfs"
fi

log "installing apptainer and squashfuse into $IMAGE"
mkdir -p "$work/context"
cat >"$work/context/Dockerfile" <<DOCKERFILE
FROM $ROOTFS_IMAGE
# The mirror may be a fixed snapshot: do not reject its old Release files.
RUN apt-get -o Acquire::Check-Valid-Until=false update \\
 && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y \\
      --no-install-recommends apptainer squashfuse fuse2fs squashfs-tools ca-certificates \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
CMD ["apptainer", "--version"]
DOCKERFILE
docker build -q -t "$IMAGE" "$work/context" >"$work/build.log" 2>&1 || {
    tail -n 30 "$work/build.log" >&2
    echo "setup-apptainer: building $IMAGE failed (log above)" >&2
    exit 1
}
version="$(docker run --rm --entrypoint apptainer "$IMAGE" --version)"
log "built $IMAGE with $version"
log "changed"
