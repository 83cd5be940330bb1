export CASA_BUILD=/casa/host/build
export PATH="$CASA_BUILD/bin:$PATH"
