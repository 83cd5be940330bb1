#!/usr/bin/env bash
# Builds the bare remotes of the casa_release_plan tests under $1/remotes (with scratch clones in
# $1/src), each in a known state. Usage: make_repos.sh <directory>
set -euo pipefail
top="$1"
export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.org
export GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.org
mkdir -p "$top/remotes" "$top/src"

# new_repo <name> <default branch>: an empty bare remote and a clone of it with no commit yet
new_repo() {
    git init -q --bare -b "$2" "$top/remotes/$1.git"
    git init -q -b "$2" "$top/src/$1"
    git -C "$top/src/$1" remote add origin "$top/remotes/$1.git"
}
# commit <name> <message>: commit everything in the clone
commit() {
    git -C "$top/src/$1" add -A
    git -C "$top/src/$1" commit -q -m "$2"
}
cmake_version() {
    printf 'set( BRAINVISA_PACKAGE_NAME %s )\nset( BRAINVISA_PACKAGE_VERSION_MAJOR %s )\nset( BRAINVISA_PACKAGE_VERSION_MINOR %s )\nset( BRAINVISA_PACKAGE_VERSION_PATCH %s )\n' "$@"
}

# alpha: latest_release and main hold the same version 5.1.2, main has one more fix
# (rule: equal versions -> bump the patch of bug_fix).
new_repo alpha main
cmake_version alpha 5 1 2 > "$top/src/alpha/project_info.cmake"
commit alpha "alpha 5.1.2"
git -C "$top/src/alpha" branch latest_release
echo fix > "$top/src/alpha/fix.txt"
commit alpha "alpha fix"
git -C "$top/src/alpha" push -q origin main latest_release

# beta: default branch master; latest_release is 1.0.0, master already says 1.1.0.
new_repo beta master
mkdir -p "$top/src/beta/python/beta"
printf 'version_major = 1\nversion_minor = 0\nversion_micro = 0\n' > "$top/src/beta/python/beta/info.py"
commit beta "beta 1.0.0"
git -C "$top/src/beta" branch latest_release
printf 'version_major = 1\nversion_minor = 1\nversion_micro = 0\n' > "$top/src/beta/python/beta/info.py"
commit beta "beta 1.1.0"
git -C "$top/src/beta" push -q origin master latest_release

# gamma: pyproject.toml, no latest_release branch yet.
new_repo gamma main
printf '[project]\nname = "gamma"\nversion = "0.3.0"\n' > "$top/src/gamma/pyproject.toml"
commit gamma "gamma 0.3.0"
git -C "$top/src/gamma" push -q origin main

# delta: VERSION file, latest_release identical to main (nothing to do).
new_repo delta main
echo 2.0 > "$top/src/delta/VERSION"
commit delta "delta 2.0"
git -C "$top/src/delta" branch latest_release
git -C "$top/src/delta" push -q origin main latest_release

# zeta: latest_release (3.0.0) newer than main (2.9.0): an error.
new_repo zeta main
echo 2.9.0 > "$top/src/zeta/VERSION"
commit zeta "zeta 2.9.0"
git -C "$top/src/zeta" checkout -q -b latest_release
echo 3.0.0 > "$top/src/zeta/VERSION"
commit zeta "zeta 3.0.0"
git -C "$top/src/zeta" push -q origin main latest_release

# eta: the tag of latest_release's version already exists on another commit: an error.
new_repo eta main
echo 1.0.0 > "$top/src/eta/VERSION"
commit eta "eta 1.0.0"
git -C "$top/src/eta" tag 1.0.0
echo more > "$top/src/eta/more.txt"
commit eta "eta more"
git -C "$top/src/eta" branch latest_release
echo fix > "$top/src/eta/fix.txt"
commit eta "eta fix"
git -C "$top/src/eta" push -q origin main latest_release 1.0.0

# theta: in a project ignored by decision.
new_repo theta main
echo 0.1.0 > "$top/src/theta/VERSION"
commit theta "theta 0.1.0"
git -C "$top/src/theta" push -q origin main

# iota: latest_release got a hotfix that main never received (a warning), equal versions.
new_repo iota main
echo 4.0.0 > "$top/src/iota/VERSION"
commit iota "iota 4.0.0"
git -C "$top/src/iota" checkout -q -b latest_release
echo hotfix > "$top/src/iota/hotfix.txt"
commit iota "iota hotfix"
git -C "$top/src/iota" checkout -q main
echo fix > "$top/src/iota/fix.txt"
commit iota "iota fix"
git -C "$top/src/iota" push -q origin main latest_release

# kappa: equal versions (a bump is planned) and a symlink "up" to the parent directory, for the
# refused version files of a hand-edited plan (issue 9). Not in the main components file.
new_repo kappa main
echo 3.0.0 > "$top/src/kappa/VERSION"
ln -s .. "$top/src/kappa/up"
commit kappa "kappa 3.0.0"
git -C "$top/src/kappa" branch latest_release
echo fix > "$top/src/kappa/fix.txt"
commit kappa "kappa fix"
git -C "$top/src/kappa" push -q origin main latest_release
