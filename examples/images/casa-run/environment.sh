export CASA_INSTALL=/casa/install
export PATH="$CASA_INSTALL/bin:$PATH"
