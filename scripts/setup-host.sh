#!/usr/bin/env bash
# The host set-up script lives with the build_host role that runs it on remote hosts; this is
# the entry point for the Makefile, CI and people.
exec bash "$(dirname "$0")/../roles/build_host/files/setup-host.sh" "$@"
