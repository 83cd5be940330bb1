# shellcheck shell=sh
# Sourced in casa-dev shells: the build environment.
export CASA_BUILD=/casa/host/build
export PATH="$CASA_BUILD/bin:$PATH"
