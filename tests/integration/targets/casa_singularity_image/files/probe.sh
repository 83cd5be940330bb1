#!/bin/sh
# shellcheck disable=SC2016  # the single-quoted $ words are meant for the container's shell
# Prints what a SIF does in a real Apptainer: run (with and without arguments), the environment
# exec sees, the /.singularity.d layout and the image labels. Run once per SIF and compare.
set -u
sif="$1"
a() { apptainer -s "$@" 2>&1; }
echo "== run"
a run -u "$sif"
echo "== run with arguments"
a run -u "$sif" one 'two words' '$HOME'
echo "== run --no-eval"
a run -u --no-eval "$sif" one 'two words' '$HOME'
echo "== exec environment"
a exec -u --cleanenv "$sif" sh -c 'echo "PATH=$PATH"; echo "CASA_TEST=$CASA_TEST"; echo "LANG=${LANG:-}"'
echo "== exec environment, overridden"
a exec -u --cleanenv --env CASA_TEST=override "$sif" sh -c 'echo "CASA_TEST=$CASA_TEST"'
echo "== exec runs in the image"
a exec -u "$sif" cat /opt/casa/stamp
echo "== layout"
a exec -u "$sif" sh -c 'cd /.singularity.d && find . | sort; cd / && ls -d .exec .run .shell .test singularity environment'
echo "== labels"
a inspect --labels "$sif" | grep -E '^(maintainer|org\.casa\.test|org\.label-schema\.(build-arch|schema-version)):' | sort
echo "== runscript"
a inspect --runscript "$sif" | grep -q OCI_ENTRYPOINT && echo "the runscript runs OCI_ENTRYPOINT and OCI_CMD"
