#!/usr/bin/env bash
# Makes the demo components of `make release`: three bare git remotes in DIR/remotes, in states
# the release plan rules distinguish, and DIR/components.yml naming them. Repositories that
# already exist are left alone, so the demo keeps whatever a release applied to it.
# Usage: make-demo-remotes.sh DIR
set -euo pipefail
top="${1:?usage: make-demo-remotes.sh DIR}"
export GIT_AUTHOR_NAME="casa.distro demo" GIT_AUTHOR_EMAIL=demo@casa-distro.invalid
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
mkdir -p "$top/remotes"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# demo_repo NAME BRANCH: runs the function NAME_content in a fresh clone, then pushes.
demo_repo() {
    local name="$1" branch="$2"
    [ -d "$top/remotes/$name.git" ] && return 0
    git init -q --bare -b "$branch" "$top/remotes/$name.git"
    git init -q -b "$branch" "$scratch/$name"
    git -C "$scratch/$name" remote add origin "$top/remotes/$name.git"
    (cd "$scratch/$name" && "${name//-/_}_content")
    git -C "$scratch/$name" push -q origin --all
    echo "created $top/remotes/$name.git"
}

# soma-base: same version on both branches, one more fix on main: the patch is bumped.
soma_base_content() {
    mkdir -p python/soma
    printf 'version_major = 5\nversion_minor = 1\nversion_micro = 2\n' > python/soma/info.py
    git add -A && git commit -q -m "soma-base 5.1.2"
    git branch latest_release
    echo "fix" > FIXES && git add -A && git commit -q -m "Fix a bug"
}
# axon: latest_release is 4.6.0, master already says 4.7.0.
axon_content() {
    printf 'set( BRAINVISA_PACKAGE_NAME axon )\nset( BRAINVISA_PACKAGE_VERSION_MAJOR 4 )\nset( BRAINVISA_PACKAGE_VERSION_MINOR 6 )\nset( BRAINVISA_PACKAGE_VERSION_PATCH 0 )\n' > project_info.cmake
    git add -A && git commit -q -m "axon 4.6.0"
    git branch latest_release
    sed -i 's/MINOR 6/MINOR 7/' project_info.cmake && git add -A && git commit -q -m "axon 4.7.0"
}
# morphologist-ui: no latest_release branch yet: it will be created.
morphologist_ui_content() {
    printf '[project]\nname = "morphologist-ui"\nversion = "1.0.0"\n' > pyproject.toml
    git add -A && git commit -q -m "morphologist-ui 1.0.0"
}

demo_repo soma-base main
demo_repo axon master
demo_repo morphologist-ui main

cat > "$top/components.yml.tmp" <<YAML
# Demo components of make release (examples/components/make-demo-remotes.sh).
defaults:
  latest_release_branch: latest_release
components:
  - name: soma-base
    project: soma
    url: file://$top/remotes/soma-base.git
  - name: axon
    project: axon
    url: file://$top/remotes/axon.git
  - name: morphologist-ui
    project: morphologist
    url: file://$top/remotes/morphologist-ui.git
YAML
if cmp -s "$top/components.yml.tmp" "$top/components.yml"; then
    rm "$top/components.yml.tmp"
else
    mv "$top/components.yml.tmp" "$top/components.yml"
fi
