#!/usr/bin/env bash
# Creates DIR/default.git, a bare repository shaped like subuser's real default repository
# (make_corpus.py writes the trees): branch master (HEAD) holds old sources and the
# subuser-version-constraints that send versions above 0.4.1 to branch latest, which holds the
# 70+ current sources. Prints make_corpus.py's JSON summary.
# Usage: make_corpus.sh DIR BASE_IMAGE
set -euo pipefail
dir="$1"
base_image="$2"
here="$(cd "$(dirname "$0")" && pwd)"
export GIT_AUTHOR_NAME=casa-test GIT_AUTHOR_EMAIL=casa-test@example.invalid
export GIT_COMMITTER_NAME=casa-test GIT_COMMITTER_EMAIL=casa-test@example.invalid
mkdir -p "$dir/corpus"
summary="$(python3 "$here/make_corpus.py" "$dir/corpus" "$base_image")"
rm -rf "$dir/default.git"
git init -q --bare -b master "$dir/default.git"
for branch in master latest; do
    tree="$dir/corpus/$branch"
    git -C "$tree" init -q -b "$branch"
    git -C "$tree" add -A
    git -C "$tree" commit -q -m "$branch"
    git -C "$tree" push -q "$dir/default.git" "$branch"
done
printf '%s\n' "$summary"
