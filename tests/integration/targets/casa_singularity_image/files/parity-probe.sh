#!/bin/sh
# shellcheck disable=SC2016  # the single-quoted $ words are meant for the container's shell
# Prints what a SIF of the FROM-scratch parity image does in a real Apptainer. It has no /bin/sh:
# the runscript must be run by Apptainer's built-in shell. Run once per SIF and compare.
set -u
sif="$1"
a() { apptainer -s "$@" 2>&1; echo "rc=$?"; }
bb=/bin/busybox
echo "== run"
a run -u "$sif"
echo "== run with arguments"
a run -u "$sif" $bb echo one 'two words' '$HOME'
echo "== run a missing command"
a run -u "$sif" /no/such/command
a run -u "$sif" nosuchcommand
echo "== run with a lone quote"
a run -u "$sif" $bb echo 'it"s'
echo "== run --no-eval"
a run -u --no-eval "$sif" $bb echo 'two words' '$HOME'
echo "== the image's files"
a exec -u "$sif" $bb cat /etc/hostname
a exec -u "$sif" $bb ls -a /etc
a exec -u "$sif" $bb ls -a /
echo "== directory link counts"
a exec -u "$sif" $bb stat -c '%h %n' /opt/tree /opt/tree/c /opt/tree/c/d /etc /bin
echo "== executed directly"
cd "$(dirname "$sif")" && APPTAINER_USERNS=1 APPTAINER_SILENT=1 "./$(basename "$sif")" $bb echo direct 2>&1
echo "rc=$?"
