#!/usr/bin/env bash
# Builds the documentation site into BUILD_DIR (default .build/docs): the module, plugin and role
# reference that antsibull-docs generates from DOCUMENTATION and meta/argument_specs.yml, the
# guides of docs/docsite/rst (extra docs, also shipped with the collection) and the topics of
# docs/*.md (read by myst-parser). Offline: sphinx-build gets no intersphinx inventories.
# Needs ansible-core, antsibull-docs, sphinx, sphinx-ansible-theme and myst-parser on the PATH
# (requirements-dev.txt) and casa.distro in ANSIBLE_COLLECTIONS_PATH (make link).
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$repo/.build/docs}"
rst="$build/rst"

rm -rf "$rst" "$build/html"
# antsibull-docs refuses a destination other users can write to.
mkdir -p "$build"
mkdir -m 700 "$rst"

antsibull-docs collection --use-current --fail-on-error --dest-dir "$rst" casa.distro
cp "$repo/docs/site/index.rst" "$rst/index.rst"
mkdir "$rst/topics"
cp "$repo"/docs/*.md "$rst/topics/"
# docs/awx.md, the complete AWX guide, is also a sub-page of the AWX guide.
if [ -f "$rst/topics/awx.md" ]; then
    printf '\n.. toctree::\n   :maxdepth: 2\n\n   /topics/awx\n' >> "$rst/collections/casa/distro/docsite/awx.rst"
fi

# -W: a broken reference, a page outside every toctree or bad markup fails the build.
sphinx-build -q -W --keep-going -b html -c "$repo/docs/site" "$rst" "$build/html"
echo "docs: site built in $build/html"
