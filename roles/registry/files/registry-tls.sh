#!/usr/bin/env bash
# Creates the registry's CA and server certificate with the openssl CLI (community.crypto is not a
# dependency of this collection, and openssl is on every Debian host). The CA is created once; the
# server certificate again only when its names changed, it no longer verifies against the CA, or it
# expires within CASA_RENEW_DAYS. Keys are written to temporary files and renamed, and never leave
# the host. With CASA_CHECK=1, only says what it would do. Prints "registry-tls: changed" when it
# created something (or would have).
set -euo pipefail

dir="${CASA_TLS_DIR:?}"
sans="${CASA_TLS_SANS:?}"          # subjectAltName value, for instance DNS:reg.example.org,IP:10.0.0.5
cn="${CASA_TLS_CN:?}"
group="${CASA_TLS_GROUP:?}"        # the group the registry runs as: it reads the server key
ca_subject="${CASA_CA_SUBJECT:?}"
ca_days="${CASA_CA_DAYS:?}"
cert_days="${CASA_CERT_DAYS:?}"
renew_days="${CASA_RENEW_DAYS:?}"
check="${CASA_CHECK:-0}"
changed=0

log() { printf 'registry-tls: %s\n' "$*"; }
umask 077
cd "$dir"

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ ! -s ca.key ] || [ ! -s ca.crt ]; then
    log "creating the CA ($ca_subject)"
    changed=1
    if [ "$check" != 1 ]; then
        new_key ca.key.tmp
        openssl req -x509 -new -key ca.key.tmp -subj "$ca_subject" -days "$ca_days" -sha256 \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
            -out ca.crt.tmp
        chmod 0644 ca.crt.tmp
        mv -f ca.key.tmp ca.key
        mv -f ca.crt.tmp ca.crt
        rm -f server.crt
    fi
elif ! openssl x509 -checkend 0 -noout -in ca.crt >/dev/null; then
    echo "registry-tls: the CA in $dir/ca.crt has expired; move ca.key and ca.crt away to create a new one," \
        "then run the trust step on every client again" >&2
    exit 1
fi

server_reason=""
if [ ! -s server.key ] || [ ! -s server.crt ]; then
    server_reason="no server certificate yet"
elif [ "$(cat server.san 2>/dev/null)" != "$sans" ]; then
    server_reason="the names changed to $sans"
elif ! openssl verify -CAfile ca.crt server.crt >/dev/null 2>&1; then
    server_reason="it is not signed by the CA"
elif ! openssl x509 -checkend "$((renew_days * 86400))" -noout -in server.crt >/dev/null; then
    server_reason="it expires within $renew_days days"
fi
if [ -n "$server_reason" ]; then
    log "creating the server certificate for $sans ($server_reason)"
    changed=1
    if [ "$check" != 1 ]; then
        new_key server.key.tmp
        openssl req -new -key server.key.tmp -subj "/CN=$cn" -out server.csr.tmp
        printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
            "$sans" >server.ext.tmp
        openssl x509 -req -in server.csr.tmp -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
            -days "$cert_days" -sha256 -extfile server.ext.tmp -out server.crt.tmp 2>/dev/null
        rm -f server.csr.tmp server.ext.tmp
        chgrp "$group" server.key.tmp
        chmod 0640 server.key.tmp
        chmod 0644 server.crt.tmp
        printf '%s\n' "$sans" >server.san.tmp
        mv -f server.key.tmp server.key
        mv -f server.crt.tmp server.crt
        mv -f server.san.tmp server.san
    fi
fi
if [ "$changed" = 1 ]; then log changed; else log "ok (nothing to do)"; fi
