#!/usr/bin/env bash
# Creates the git repositories the subuser_repo integration test reads, as bare repositories
# under DIR (default branch main everywhere, no master):
#   base.git    libbase (a Dockerfile FROM the test base image)
#   images.git  main: subuser-version-constraints; subuser-0.6: images/{tool,app,broken};
#               legacy: images/old-only; main itself holds images/next-only
# tool starts FROM-SUBUSER-IMAGE libbase@https://example.invalid/casa/base.git (mapped to
# base.git by the test), app starts FROM-SUBUSER-IMAGE tool.
# Usage: make_repos.sh DIR BASE_IMAGE
set -euo pipefail
dir="$1"
base_image="$2"
export GIT_AUTHOR_NAME=casa-test GIT_AUTHOR_EMAIL=casa-test@example.invalid
export GIT_COMMITTER_NAME=casa-test GIT_COMMITTER_EMAIL=casa-test@example.invalid
mkdir -p "$dir"
cd "$dir"
rm -rf base.git images.git work-base work-images

git init -q --bare -b main base.git
git init -q -b main work-base
cd work-base
mkdir -p libbase/image
printf '{"description": "the base of the chain", "maintainer": "casa-test"}\n' > libbase/permissions.json
printf 'FROM %s\nRUN echo base > /base.txt\n' "$base_image" > libbase/image/Dockerfile
git add -A && git commit -q -m base
git push -q ../base.git main
cd ..

git init -q --bare -b main images.git
git init -q -b main work-images
cd work-images
cat > .subuser.json <<'JSON'
{"image-sources-dir": "images",
 "subuser-version-constraints": [[">=", "0.7", "main"], [">=", "0.6", "subuser-0.6"], ["<", "0.6", "legacy"]]}
JSON
mkdir -p images/next-only/image
printf '{}\n' > images/next-only/permissions.json
printf 'FROM scratch\n' > images/next-only/image/Dockerfile
git add -A && git commit -q -m main
git checkout -q -b subuser-0.6
git rm -q -r images/next-only
printf '{"image-sources-dir": "images"}\n' > .subuser.json
mkdir -p images/tool/image images/app/image images/broken/image
printf '{"description": "tool", "executable": "/bin/cat", "allow-network-access": true}\n' > images/tool/permissions.json
# Spacing and CRLF on purpose: the directive must still be read.
printf 'FROM-SUBUSER-IMAGE   libbase@https://example.invalid/casa/base.git\r\nCOPY hello /hello\r\n' > images/tool/image/SubuserImagefile
printf 'hello 1\n' > images/tool/image/hello
printf '{"description": "app", "executable": "/bin/cat", "x11": true, "user-dirs": ["Documents"]}\n' > images/app/permissions.json
printf 'FROM-SUBUSER-IMAGE tool\nRUN cat /hello /base.txt > /app.txt\n' > images/app/image/SubuserImagefile
printf '{"description": "broken",\n "gui": }\n' > images/broken/permissions.json
printf 'FROM scratch\n' > images/broken/image/Dockerfile
git add -A && git commit -q -m subuser-0.6
git checkout -q main
git checkout -q -b legacy
git rm -q -r images/next-only
mkdir -p images/old-only/image
printf '{}\n' > images/old-only/permissions.json
printf 'FROM scratch\n' > images/old-only/image/Dockerfile
printf '{"image-sources-dir": "images"}\n' > .subuser.json
git add -A && git commit -q -m legacy
git checkout -q main
git push -q ../images.git main subuser-0.6 legacy
cd ..
echo "created $dir/base.git $dir/images.git"
