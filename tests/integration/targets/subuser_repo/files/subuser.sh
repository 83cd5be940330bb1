#!/usr/bin/env bash
# Runs the original subuser 0.6.2 (from PyPI) with a private HOME.
# Installs it (once, idempotently) into its own virtualenv under SUBUSER_VENV (default
# ~/.cache/casa_distro/subuser-0.6.2). subuser 0.6.2 imports collections.Mapping and friends,
# which Python 3.10 removed: a sitecustomize.py on PYTHONPATH aliases them from collections.abc.
# It needs git's user.name and user.email, and a registry whose default branch is master.
# Set SUBUSER_VENV to choose where subuser is installed.
# Usage: subuser.sh HOME_DIR subuser-arguments...
set -euo pipefail
home="$1"
shift
venv="${SUBUSER_VENV:-$HOME/.cache/casa_distro/subuser-0.6.2}"
installed() {
    [ -x "$venv/bin/subuser" ] && "$venv/bin/python" -c \
        'import importlib.metadata as m, sys; sys.exit(m.version("subuser") != "0.6.2")' 2>/dev/null
}
if ! installed; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'subuser==0.6.2' >&2
fi
shim="$venv/casa-shim"
mkdir -p "$shim"
cat > "$shim/sitecustomize.py" <<'PY'
import collections
import collections.abc
for _name in ('Mapping', 'MutableMapping', 'Sequence', 'MutableSequence', 'Set', 'MutableSet',
              'Iterable', 'Iterator', 'Callable', 'Hashable', 'Sized', 'Container'):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
PY
mkdir -p "$home"
cat > "$home/.gitconfig" <<'GIT'
[user]
	name = casa-test
	email = casa-test@example.invalid
[init]
	defaultBranch = master
GIT
# subuser clones its default repository from GitHub on first use; an empty local one (on master,
# which subuser 0.6.2 reads) keeps runs offline and their timing free of network look-ups.
default_repo="$home/.subuser/repositories/default"
if [ ! -d "$default_repo/.git" ]; then
    mkdir -p "$default_repo"
    git -C "$default_repo" init -q -b master
    git -C "$default_repo" -c user.name=casa-test -c user.email=casa-test@example.invalid \
        commit -q --allow-empty -m 'empty default repository'
fi
export HOME="$home" PYTHONPATH="$shim" LC_ALL=C.UTF-8 LANG=C.UTF-8
unset GIT_DIR GIT_WORK_TREE
exec "$venv/bin/subuser" "$@"
