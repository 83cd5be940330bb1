#!/bin/sh
# A remote shell for rsync that runs the remote command on this host, as ssh would on the publish
# host: rsync calls it as `local_rsh.sh [-l USER] HOST COMMAND...`.
set -eu
while [ $# -gt 0 ]; do
    case "$1" in
        -l) shift 2 ;;
        -*) shift ;;
        *) break ;;
    esac
done
shift
exec sh -c "$*"
