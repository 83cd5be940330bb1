#!/usr/bin/env bash
# The registry role on real hosts: containers with their own sshd, filesystem and address, reached
# by Ansible as casa (passwordless sudo, become). Host a runs the registry detached (no init
# system; TLS with the CA the role creates, htpasswd); host b runs its own Docker Engine, trusts
# the CA through the role's trust entry point, logs in, pushes and pulls. Host c boots systemd and
# runs the registry as a service with the certificate of a site CA, through a reboot. The
# passwords are random for each run and must appear in no output, log or file the test keeps.
set -euo pipefail

# The SSH hosts' shell library (casa_host_start...), beside this target's copy.
source "$(dirname "$0")/../setup_ssh_hosts/files/collection.sh"
source "$(dirname "$0")/../setup_ssh_hosts/files/hosts.sh"
casa_collection_dir >/dev/null
work="$(mktemp -d /var/tmp/casa-registry.XXXXXX)"
hosts=(a b)
containers=(a b c)
cleanup() {
    for host in "${containers[@]}"; do docker rm -f "casa-registry-$host" >/dev/null 2>&1 || true; done
    docker network rm casa-registry-net >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
docker info >/dev/null || fail "no Docker daemon answers: this test needs one"

ansible-playbook setup.yml

ssh-keygen -q -t ed25519 -N '' -f "$work/id"
# A network of the test's own: the hosts do not depend on the daemon's default bridge.
docker network rm casa-registry-net >/dev/null 2>&1 || true
docker network create casa-registry-net >/dev/null
for host in "${hosts[@]}"; do
    casa_host_start "casa-registry-$host" "casa-registry-$host" casa-registry-net "$work/$host-docker" "$work/id.pub" \
        casa-registry/ssh-host:1
done
# c boots systemd.
casa_systemd_host_start casa-registry-c casa-registry-c casa-registry-net "$work/c-docker" "$work/id.pub" casa-registry/systemd-host:1
address() { casa_host_address "casa-registry-$1"; }
ip_a="$(address a)"
ip_b="$(address b)"
ip_c="$(address c)"
registry="$ip_a:5443"
in_host() { local host="$1"; shift; docker exec "casa-registry-$host" "$@"; }

# b pushes and pulls with its own engine (a test fixture: provisioning it is build_host's job).
docker exec -d casa-registry-b sh -c 'dockerd >/var/log/dockerd.log 2>&1'
for _ in $(seq 1 60); do in_host b docker info >/dev/null 2>&1 && break; sleep 1; done
in_host b docker info >/dev/null || fail "dockerd does not answer on b"

password1="$(openssl rand -hex 16)"
password2="$(openssl rand -hex 16)"
password3="$(openssl rand -hex 16)"
reader_password="$(openssl rand -hex 16)"
# The test's own secrets files: the only files allowed to hold the passwords.
secrets() {
    (umask 077; cat >"$work/secrets-$1.yml" <<SECRETS
registry_users:
  - {name: pusher, password: "$2"}
  - {name: reader, password: "$reader_password"}
SECRETS
    )
}
secrets 1 "$password1"
secrets 2 "$password2"
secrets 3 "$password3"

# The site's own CA and a certificate for the name clients use to reach c (not its address, which
# a restart of the container may change).
site_name=registry.site.test
mkdir -p "$work/site"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/site/ca.key" -subj "/CN=casa-registry site CA" -days 2 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -out "$work/site/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/site/server.key" -subj "/CN=$site_name" -out "$work/site/server.csr" 2>/dev/null
openssl x509 -req -in "$work/site/server.csr" -CA "$work/site/ca.crt" -CAkey "$work/site/ca.key" -set_serial 7 -days 2 \
    -extfile <(printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$site_name") -out "$work/site/server.crt" 2>/dev/null
# A line of the site's key, to look for in the outputs as for the passwords.
site_key_line="$(sed -n 2p "$work/site/server.key")"

cat >"$work/inventory.yml" <<INVENTORY
all:
$(casa_inventory_vars "$work/id")
  children:
    registry_hosts:
      hosts:
        a:
          ansible_host: $ip_a
          registry_port: 5443
          registry_names: ["$ip_a", casa-registry-a]
          registry_storage_dir: /srv/registry
    clients:
      hosts:
        b:
          ansible_host: $ip_b
    site_registry_hosts:
      hosts:
        c:
          ansible_host: $ip_c
          registry_names: [$site_name]
          registry_tls_certificate: "{{ lookup('file', '$work/site/server.crt') }}"
          registry_tls_key: "{{ lookup('file', '$work/site/server.key') }}"
          registry_tls_ca_certificate: "{{ lookup('file', '$work/site/ca.crt') }}"
INVENTORY
export ANSIBLE_LOG_PATH="$work/ansible.log"
play() { ansible-playbook -i "$work/inventory.yml" "$@"; }
summary_ok() {  # $1 log, $2 host, $3 changed count (a regular expression)
    grep -Eq "^$2 +: ok=[0-9]+ +changed=$3 +unreachable=0 +failed=0" "$1"
}

casa_wait_ssh -i "$work/inventory.yml" all
casa_logs_in_as_casa -i "$work/inventory.yml" a || fail "Ansible does not log in as casa"

echo "== bad input: a user name with ':' is refused, naming it, before anything is installed"
cat >"$work/secrets-bad.yml" <<SECRETS
registry_users: [{name: "bad:name", password: "$password1"}]
SECRETS
chmod 0600 "$work/secrets-bad.yml"
if play deploy.yml -e "@$work/secrets-bad.yml" >"$work/bad.log" 2>&1; then fail "a user name with ':' was accepted"; fi
grep -q 'registry_users must list at least one user.*"bad:name"' "$work/bad.log" \
    || { grep -E 'fatal|msg' "$work/bad.log" | head -5; fail "no clear message for a bad user name"; }
if in_host a test -e /usr/bin/docker-registry; then fail "the registry was installed despite the bad input"; fi

echo "== check mode on a fresh host: a change is reported, nothing is installed"
play deploy.yml -e "@$work/secrets-1.yml" --check --limit a >"$work/check0.log"
summary_ok "$work/check0.log" a '[1-9][0-9]*' || fail "check mode on a fresh host reports no change"
if in_host a test -e /usr/bin/docker-registry; then fail "check mode installed the registry"; fi

echo "== first run (with -vvv, so that even verbose output is searched for the passwords)"
start=$SECONDS
play deploy.yml -e "@$work/secrets-1.yml" -vvv >"$work/run1.log"
echo "first run: $((SECONDS - start)) s"
summary_ok "$work/run1.log" a '[1-9][0-9]*' || fail "the first run did not change a"

in_host a cat /etc/casa-distro/registry/tls/ca.crt >"$work/ca.crt"
url="https://$registry/v2/"
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$work/ca.crt" "$@"; }

echo "== the CA key stays on a, readable by root only; the registry runs as docker-registry"
[ "$(in_host a stat -c '%U %a' /etc/casa-distro/registry/tls/ca.key)" = "root 600" ] || fail "ca.key is not root-only"
if in_host a setpriv --reuid=docker-registry --regid=docker-registry --init-groups cat /etc/casa-distro/registry/tls/ca.key >/dev/null 2>&1; then
    fail "the registry's user can read the CA key"
fi
# shellcheck disable=SC2016 # expanded on a
[ "$(in_host a sh -c 'stat -c %U "/proc/$(cat /run/casa-distro-registry-tls.pid)"')" = docker-registry ] \
    || fail "the registry does not run as docker-registry"
in_host a openssl x509 -noout -ext subjectAltName -in /etc/casa-distro/registry/tls/server.crt >"$work/san.txt"
if ! grep -q "IP Address:$ip_a" "$work/san.txt" || ! grep -q "DNS:casa-registry-a" "$work/san.txt"; then
    fail "the server certificate names: $(cat "$work/san.txt")"
fi

echo "== TLS: without the CA, curl refuses the certificate"
rc=0; curl -sS -o /dev/null "$url" 2>"$work/curl-noca.err" || rc=$?
[ "$rc" = 60 ] || fail "curl without the CA ended with $rc, not 60 (certificate not verified): $(cat "$work/curl-noca.err")"

echo "== anonymous and wrong-password requests are refused"
[ "$(code "$url")" = 401 ] || fail "anonymous /v2/ is not 401"
[ "$(code -X POST "https://$registry/v2/casa-registry/tiny/blobs/uploads/")" = 401 ] || fail "an anonymous upload is not 401"
[ "$(code -u "pusher:wrong-$password1" "$url")" = 401 ] || fail "a wrong password is not refused"
[ "$(code -u "pusher:$password1" "$url")" = 200 ] || fail "the right password is refused"

echo "== b trusts the CA (Docker certs.d and the system store)"
in_host b test -f "/etc/docker/certs.d/$registry/ca.crt" || fail "no certs.d entry for $registry on b"
in_host b curl -fsS -o /dev/null -u "reader:$reader_password" "$url" || fail "curl on b does not trust the CA from the system store"

echo "== b: anonymous push refused, wrong password refused, login and push accepted, pull through TLS"
in_host b sh -c "tar -C /etc -c hostname os-release | docker import - $registry/casa-registry/tiny:1 >/dev/null"
if in_host b docker push "$registry/casa-registry/tiny:1" >"$work/push-anon.log" 2>&1; then fail "an anonymous push was accepted"; fi
grep -Eq 'no basic auth credentials|unauthorized' "$work/push-anon.log" || fail "the anonymous push failed for another reason: $(cat "$work/push-anon.log")"
if docker exec -i casa-registry-b docker login -u pusher --password-stdin "$registry" <<<"wrong-$password1" >"$work/login-wrong.log" 2>&1; then
    fail "docker login with a wrong password succeeded"
fi
docker exec -i casa-registry-b docker login -u pusher --password-stdin "$registry" <<<"$password1" >"$work/login.log" 2>&1 \
    || fail "docker login failed: $(cat "$work/login.log")"
in_host b docker push "$registry/casa-registry/tiny:1" >"$work/push.log" 2>&1 || fail "the push failed: $(cat "$work/push.log")"
in_host b docker rmi "$registry/casa-registry/tiny:1" >/dev/null
in_host b docker pull "$registry/casa-registry/tiny:1" >"$work/pull.log" 2>&1 || fail "the pull failed: $(cat "$work/pull.log")"
in_host b docker logout "$registry" >/dev/null

echo "== the collection's module pushes with the registry credentials (no docker login on b)"
in_host b docker tag "$registry/casa-registry/tiny:1" "$registry/casa-registry/tiny:2"
play push.yml -e "@$work/secrets-1.yml" -e "push_image=$registry/casa-registry/tiny" >"$work/push-module1.log"
summary_ok "$work/push-module1.log" b 1 || fail "the module's first push did not report a change"
curl -fsS --cacert "$work/ca.crt" -u "reader:$reader_password" "https://$registry/v2/casa-registry/tiny/tags/list" | grep -q '"2"' \
    || fail "tag 2 pushed by the module is not in the registry"
play push.yml -e "@$work/secrets-1.yml" -e "push_image=$registry/casa-registry/tiny" >"$work/push-module2.log"
summary_ok "$work/push-module2.log" b 0 || fail "the module's second push changed something"

echo "== second run: nothing to do"
play deploy.yml -e "@$work/secrets-1.yml" >"$work/run2.log"
for host in "${hosts[@]}"; do summary_ok "$work/run2.log" "$host" 0 || fail "$host changed something on the second run"; done

echo "== check mode with a new password: reported, not applied"
play deploy.yml -e "@$work/secrets-3.yml" --check --diff >"$work/check.log"
summary_ok "$work/check.log" a '[1-9][0-9]*' || fail "check mode does not report the password change"
[ "$(code -u "pusher:$password1" "$url")" = 200 ] || fail "check mode changed the password file"
[ "$(code -u "pusher:$password3" "$url")" = 401 ] || fail "check mode applied the new password"

echo "== a changed password is picked up: the old one refused, the new one accepted"
play deploy.yml -e "@$work/secrets-2.yml" >"$work/run3.log"
summary_ok "$work/run3.log" a '[1-9][0-9]*' || fail "changing the password changed nothing"
[ "$(code -u "pusher:$password1" "$url")" = 401 ] || fail "the old password is still accepted"
[ "$(code -u "pusher:$password2" "$url")" = 200 ] || fail "the new password is refused"
[ "$(code -u "reader:$reader_password" "$url")" = 200 ] || fail "the unchanged user lost access"
play deploy.yml -e "@$work/secrets-2.yml" >"$work/run4.log"
summary_ok "$work/run4.log" a 0 || fail "the run after the password change changed something"

echo "== garbage collection (maintenance run) keeps the tagged images"
play deploy.yml -e "@$work/secrets-2.yml" -e registry_garbage_collect=true >"$work/gc.log"
grep -q 'Delete the blobs no manifest refers to' "$work/gc.log" || fail "garbage collection did not run"
in_host b docker rmi "$registry/casa-registry/tiny:1" "$registry/casa-registry/tiny:2" >/dev/null
docker exec -i casa-registry-b docker login -u reader --password-stdin "$registry" <<<"$reader_password" >/dev/null 2>&1 \
    || fail "docker login after garbage collection failed"
in_host b docker pull "$registry/casa-registry/tiny:2" >"$work/pull-gc.log" 2>&1 || fail "the pull after garbage collection failed"
in_host b docker logout "$registry" >/dev/null

echo "== c boots systemd: the registry is an enabled service, with the site's certificate"
in_host c systemctl is-system-running --wait >/dev/null 2>&1 || true
play deploy-site.yml -e "@$work/secrets-2.yml" >"$work/site1.log"
site_code() {  # the address of c may change when it restarts
    curl -s -o /dev/null -w '%{http_code}' --cacert "$work/site/ca.crt" \
        --resolve "$site_name:5000:$(address c)" "$@" "https://$site_name:5000/v2/"
}
check_site() {
    [ "$(in_host c systemctl is-enabled casa-distro-registry-tls.service)" = enabled ] || fail "the registry service is not enabled on c ($1)"
    [ "$(in_host c systemctl is-active casa-distro-registry-tls.service)" = active ] || fail "the registry service is not running on c ($1)"
    # Debian's own registry service would listen on :5000 without authentication.
    if in_host c systemctl is-enabled --quiet docker-registry.service; then fail "docker-registry.service is enabled on c ($1)"; fi
    [ "$(site_code)" = 401 ] || fail "anonymous /v2/ on c is not 401 ($1)"
    [ "$(site_code -u "pusher:$password2")" = 200 ] || fail "the password is refused on c ($1)"
    [ "$(site_code -u "pusher:$password1")" = 401 ] || fail "a wrong password is accepted on c ($1)"
}
check_site "after the first run"
[ "$(in_host c stat -c '%U:%G %a' /etc/casa-distro/registry/tls/server.key)" = "root:docker-registry 640" ] \
    || fail "the site's key on c is not root:docker-registry 640"
play deploy-site.yml -e "@$work/secrets-2.yml" >"$work/site2.log"
summary_ok "$work/site2.log" c 0 || fail "the second run on c changed something"

echo "== c reboots: the registry comes back by itself"
docker restart -t 30 casa-registry-c >/dev/null
casa_wait_booted casa-registry-c 60 >/dev/null
for _ in $(seq 1 30); do [ "$(site_code)" = 401 ] && break; sleep 1; done
check_site "after a reboot"
play deploy-site.yml -e "@$work/secrets-2.yml" -e "ansible_host=$(address c)" >"$work/site3.log"
summary_ok "$work/site3.log" c 0 || fail "the run after the reboot of c changed something"

echo "== the passwords and the site's key appear in no output or log"
in_host c sh -c 'cat /var/log/casa-distro/*.log' >"$work/registry-c.log"
in_host a sh -c 'cat /var/log/casa-distro/*.log' >"$work/registry-a.log"
in_host a cat /etc/casa-distro/registry/config.yml >"$work/config-a.yml"
in_host b cat /var/log/dockerd.log >"$work/dockerd-b.log"
for secret in "$password1" "$password2" "$password3" "$reader_password" "$site_key_line"; do
    found="$(grep -rlF --exclude='secrets-*.yml' --exclude-dir='?-docker' --exclude-dir=site -- "$secret" "$work" || true)"
    [ -z "$found" ] || fail "a password appears in: $found"
done
echo "registry role: all checks passed"
