#!/usr/bin/env bash
# Makes the fixtures that replace the placeholder paths and hosts of the modules' EXAMPLES
# (files/substitutions.yml), all under WORK:
#   playbooks/release/          the components of examples/components/make-demo-remotes.sh and
#                               a decisions file ({{ playbook_dir }}/release/ in the examples)
#   examples                    the collection's examples ({{ playbook_dir }}/../examples)
#   v2/share, v2/user           two casa-distro v2 recipe roots of casa-dev images
#   recipes/tool, recipes/casa-dev   a recipe with a build argument, a Dockerfile for a SIF
#   sif, www/download, www/release   empty output directories
#   subuser-repository          a subuser repository checked out on disk
#   git/...                     bare git repositories standing for the remote ones
#   guide, guide-demo           what the guides' plays write to, and their demo components
# Every image starts FROM BASE, the image the first casa_docker_image example bootstraps. The
# fixtures have no RUN step (LABEL, ENV, COPY only): building them needs no container network.
# Usage: make_fixtures.sh WORK COLLECTION_DIR BASE
set -euo pipefail
work="$1"
collection="$2"
base="$3"
export GIT_AUTHOR_NAME=casa-docsite GIT_AUTHOR_EMAIL=casa-docsite@example.invalid
export GIT_COMMITTER_NAME=casa-docsite GIT_COMMITTER_EMAIL=casa-docsite@example.invalid
mkdir -p "$work"/{playbooks/release,sif,www/download,www/release,git/casa,git/mirrors,git/subuser-security}
ln -sfn "$collection/examples" "$work/examples"

bash "$collection/examples/components/make-demo-remotes.sh" "$work/demo" >/dev/null
# The guides' release plan plays get demo remotes of their own.
bash "$collection/examples/components/make-demo-remotes.sh" "$work/guide-demo" >/dev/null
mkdir -p "$work/guide"
cp "$work/demo/components.yml" "$work/playbooks/release/components.yml"
printf 'ignore:\n  component: []\n  project: [legacy]\n' > "$work/playbooks/release/decisions.yml"
printf 'registry_user: casa-docsite\nregistry_password: not-a-real-secret\n' > "$work/vars.yml"

# v2_recipe ROOT IMAGE SYSTEM FROM [DEPENDENCY]
v2_recipe() {
    local dir="$work/v2/$1/docker/$2/$3"
    mkdir -p "$dir"
    printf 'image_sources:\n  - name: %s\n    tags: [%s]\n' "$2" "$3" > "$dir/casa_distro_docker.yaml"
    [ -z "${5:-}" ] || printf 'dependencies: [%s]\n' "$5" >> "$dir/casa_distro_docker.yaml"
    printf 'FROM %s\nLABEL org.example.casa-docsite="%s %s"\n' "$4" "$2" "$3" > "$dir/Dockerfile.template"
}
# casa-dev is a root image (its base is pulled when missing) in the first root; the second
# root adds a casa-dev built on it, found across roots as v2 did.
v2_recipe share casa-dev bookworm "$base"
v2_recipe user casa-dev bookworm-gui '%(name_prefix)scasa-dev:bookworm' "'../../casa-dev'"

mkdir -p "$work/recipes/tool" "$work/recipes/casa-dev"
# shellcheck disable=SC2016  # $VERSION is the Dockerfile's build argument
printf 'FROM %s\nARG VERSION\nLABEL org.example.tool-version="$VERSION"\n' "$base" > "$work/recipes/tool/Dockerfile"
printf 'FROM %s\nENV CASA_BUILD=/casa/host/build\n' "$base" > "$work/recipes/casa-dev/Dockerfile"

# source DIR NAME DOCKERFILE_LINE: an image source with its permissions.
source_dir() {
    mkdir -p "$1/$2/image"
    printf '{"description": "%s for the examples", "maintainer": "casa-docsite", "executable": "/bin/cat"}\n' "$2" > "$1/$2/permissions.json"
    printf '%s\nLABEL org.example.source=%s\n' "$3" "$2" > "$1/$2/image/$4"
}
# bare_repo NAME BRANCH: commits the work tree WORK/scratch/NAME to WORK/git/NAME.git.
bare_repo() {
    git init -q --bare -b "$2" "$work/git/$1.git"
    git -C "$work/scratch/$1" add -A
    git -C "$work/scratch/$1" diff --cached --quiet || git -C "$work/scratch/$1" commit -q -m "$1"
    git -C "$work/scratch/$1" push -q "$work/git/$1.git" "HEAD:refs/heads/$2" --tags
}

source_dir "$work/subuser-repository" casa-run "FROM $base" Dockerfile
git init -q -b main "$work/subuser-repository"

# The default repository, as subuser's: master maps subuser 0.6 to its own branch.
repo="$work/scratch/subuser-security/subuser-default-repository"
git init -q -b master "$repo"
source_dir "$repo" libx11 "FROM $base" Dockerfile
printf '{"subuser-version-constraints": [[">=", "0.7", "master"], [">=", "0.6", "subuser-0.6"]]}\n' > "$repo/.subuser.json"
bare_repo subuser-security/subuser-default-repository master
git -C "$repo" push -q "$work/git/subuser-security/subuser-default-repository.git" HEAD:refs/heads/subuser-0.6

repo="$work/scratch/mirrors/subuser-default-repository"
git init -q -b master "$repo"
source_dir "$repo" libx11 "FROM $base" Dockerfile
bare_repo mirrors/subuser-default-repository master

repo="$work/scratch/casa/subuser-images"
git init -q -b main "$repo"
source_dir "$repo" casa-run "FROM-SUBUSER-IMAGE libx11@default" SubuserImagefile
source_dir "$repo" anatomist "FROM-SUBUSER-IMAGE casa-run" SubuserImagefile
git -C "$repo" add -A
git -C "$repo" commit -q -m "casa 5.3"
git -C "$repo" tag v5.3
bare_repo casa/subuser-images main

git init -q --bare -b main "$work/git/casa/subuser-repository.git"
echo "fixtures made in $work"
