#!/bin/sh
# Creates a build workflows repository: two selected workflows, one without conf/casa_distro.json
# (not a workflow) and one of another distro, with subversion credentials that must stay home.
set -eu
repo="$1"
for wf in opensource/trunk_ubuntu-22.04 opensource/bug_fix_debian-12 cati/trunk_ubuntu-22.04; do
    mkdir -p "$repo/$wf/conf" "$repo/$wf/src/soma" "$repo/$wf/build/bin" "$repo/$wf/install" "$repo/$wf/pack" "$repo/$wf/tests"
    printf '{"distro_name": "%s", "casa_branch": "%s"}\n' "${wf%%/*}" "${wf#*/}" > "$repo/$wf/conf/casa_distro.json"
    printf 'svn-password\n' > "$repo/$wf/conf/svn.secret"
    printf 'int main(void) { return 0; }\n' > "$repo/$wf/src/soma/main.c"
    printf '#!/bin/sh\necho %s\n' "$wf" > "$repo/$wf/build/bin/tool"
    chmod 0755 "$repo/$wf/build/bin/tool"
    printf 'a name with spaces\n' > "$repo/$wf/install/read me.txt"
    ln -sf ../build/bin/tool "$repo/$wf/install/tool"
done
mkdir -p "$repo/opensource/latest_release_ubuntu-22.04/src"
printf 'not a workflow\n' > "$repo/opensource/latest_release_ubuntu-22.04/src/file"
