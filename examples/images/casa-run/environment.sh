# shellcheck shell=sh
# Sourced by the entrypoint: the casa environment of the image.
export CASA_INSTALL=/casa/install
export PATH="$CASA_INSTALL/bin:$PATH"
