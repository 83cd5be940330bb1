#!/usr/bin/env bash
# Builds a package named docker-ce that declares what Docker's own docker-ce declares against
# Debian's engine (Conflicts: docker.io, Provides/Replaces: docker-engine) and holds the real
# engine: the dockerd, docker-proxy, docker-init and docker client of the installed docker.io,
# moved to where docker-ce puts them (/usr/bin). Docker ships the client as docker-ce-cli and
# depends on containerd.io; the stand-in bundles the client and uses Debian's containerd.
set -eu
out="$1"
root="$(mktemp -d)"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system"
for tool in docker dockerd docker-proxy docker-init; do
    cp -L "$(command -v "$tool")" "$root/usr/bin/$tool"
done
sed 's|/usr/sbin/dockerd|/usr/bin/dockerd|' /lib/systemd/system/docker.service >"$root/lib/systemd/system/docker.service"
cp /lib/systemd/system/docker.socket "$root/lib/systemd/system/"
cat >"$root/DEBIAN/control" <<CONTROL
Package: docker-ce
Version: 5:20.10.24~casa-test
Architecture: $(dpkg --print-architecture)
Maintainer: casa.distro tests <casa-distro@localhost>
Depends: containerd, runc, iptables
Conflicts: docker (<< 1.5~), docker-engine, docker-engine-cs, docker.io, lxc-docker, lxc-docker-virtual-package
Replaces: docker-engine
Provides: docker-engine
Description: Docker CE stand-in for tests (the docker.io engine under docker-ce's name)
CONTROL
dpkg-deb --root-owner-group --build "$root" "$out" >/dev/null
rm -rf "$root"
