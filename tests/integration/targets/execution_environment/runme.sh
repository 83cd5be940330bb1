#!/usr/bin/env bash
# The execution environment, built and used the way AWX uses it. ansible-builder builds the
# definition of execution-environment/ with the real Docker daemon (classic builder) from a Debian
# base the collection bootstraps, with the collection from its built tarball. Then
# ansible-runner runs a job as AWX runs a job template: a private data directory with a project
# (the collection's release playbook), an inventory, extra variables (survey answers and the
# registry credential, injected as examples/awx/credential_types/registry.yml says), job tags, and
# process isolation in the EE container, which reaches the daemon through its socket. The job
# plans a release of git fixtures and builds and pushes an image to 127.0.0.1:5000/casa-awx/.
# Checked: rc, status, job events and their changed results, the registry, a second job that
# changes nothing, and no trace of the registry password in any job event or artifact.
set -euo pipefail

# ansible-test runs this from a copy of the target: the collection is found through the collection
# path (setup_ssh_hosts/files/collection.sh, beside this target's copy).
source "$(dirname "$0")/../setup_ssh_hosts/files/collection.sh"
top="$(casa_collection_dir)"
docker info >/dev/null || { echo "FAIL: no Docker daemon answers"; exit 1; }

run_id="$RANDOM$RANDOM"
base_image=casa-awx/ee-base:bookworm
ee_image=casa-awx/ee:latest
pushed="127.0.0.1:5000/casa-awx/job-$run_id/casa-run"
work="$(mktemp -d /var/tmp/casa-awx.XXXXXX)"
cleanup() {
    for ident in job1 job2; do docker rm -f "ansible_runner_casa-awx-$ident-$run_id" >/dev/null 2>&1 || true; done
    docker rmi -f "$pushed:5.3" "$pushed:latest" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"

echo "== the AWX examples: templates, surveys and credential types match the playbook and roles"
"$python" awx_examples.py check "$top"

echo "== the base image, bootstrapped by the collection (reused when unchanged)"
ansible-playbook "$top/execution-environment/base-image.yml" -e "casa_ee_base_image=$base_image"

echo "== the execution environment, built by ansible-builder from the collection tarball"
cp -r "$top/execution-environment" "$work/ee"
ansible-galaxy collection build --force --output-path "$work/dist" "$top" >/dev/null
mkdir -p "$work/ee/collections"
mv "$work"/dist/casa-distro-*.tar.gz "$work/ee/collections/casa-distro.tar.gz"
# This machine reaches PyPI through an intercepting proxy: its CA is a site CA (certs/README.md).
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$work/ee/certs/"
fi
build() {
    local start end
    start="$(date +%s.%N)"
    # No BuildKit on this daemon: the classic builder must take the generated Dockerfile.
    DOCKER_BUILDKIT=0 ansible-builder build -f "$work/ee/execution-environment.yml" --context "$work/context" \
        --container-runtime docker --tag "$ee_image" --build-arg "EE_BASE_IMAGE=$base_image" \
        --extra-build-cli-args='--network host' -v 3 >"$work/build-$1.log" 2>&1 \
        || { tail -40 "$work/build-$1.log"; fail "ansible-builder build ($1)"; }
    end="$(date +%s.%N)"
    echo "EE build ($1): $(echo "$end - $start" | bc) s"
}
build first
build again
grep -q 'Using cache' "$work/build-again.log" || fail "the second build used no cache"
[ -f "$work/context/Dockerfile" ] || fail "no Dockerfile in the build context"
echo "EE image size: $(docker image inspect -f '{{.Size}}' "$ee_image" | awk '{printf "%.0f MB", $1 / 1e6}')"
[ "$(docker image inspect -f '{{index .Config.Labels "ansible-execution-environment"}}' "$ee_image")" = true ] \
    || fail "the image has no ansible-execution-environment label"
version="$(sed -n 's/^version: *//p' "$top/galaxy.yml")"
in_ee() { docker run --rm --network none "$ee_image" "$@"; }
in_ee ansible-galaxy collection list casa.distro | grep -Eq "^casa\.distro +$version" || fail "casa.distro $version is not installed in the EE"
in_ee python3 -c 'import docker, git, spython, yaml, ansible_runner' || fail "introspected Python requirements missing in the EE"
in_ee sh -c 'command -v git && command -v mksquashfs && command -v debootstrap' >/dev/null || fail "introspected system packages missing in the EE"

echo "== the git push token credential: git in the EE finds the token through the injected file"
token="casa-awx-token-$run_id"
# AWX writes credential files into the job's private directory.
mkdir -m 700 "$work/credential-files"
printf '{"host": "git.example.org", "username": "casa-awx", "token": "%s"}\n' "$token" >"$work/git-credential.json"
"$python" awx_examples.py inject "$top" "$top/examples/awx/credential_types/git_push_token.yml" "$work/git-credential.json" \
    "$work/credential-files" >"$work/git-injected.json"
jq -e '.extra_vars == {} and (.env | tostring | contains("'"$token"'") | not)' "$work/git-injected.json" >/dev/null \
    || fail "the git push token is injected elsewhere than in a file"
mapfile -t git_env < <(jq -r '.env | to_entries[] | "--env=\(.key)=\(.value)"' "$work/git-injected.json")
filled="$(printf 'protocol=https\nhost=git.example.org\n\n' | docker run --rm -i --network none --user 0 "${git_env[@]}" \
    -v "$work/credential-files:$work/credential-files:ro" "$ee_image" git credential fill)"
grep -qx "password=$token" <<<"$filled" || fail "git in the EE did not get the token: $filled"
grep -qx "username=casa-awx" <<<"$filled" || fail "git in the EE did not get the user name: $filled"
echo "git credential fill in the EE: user name and token of git.example.org found"

echo "== the job: a private data directory as AWX prepares it"
pdd="$work/job"
mkdir -p "$pdd/env" "$pdd/inventory" "$pdd/project"
cp "$top/examples/awx/project/release.yml" "$pdd/project/release.yml"
cp -r "$top/examples/images" "$pdd/project/images"
# Git fixtures of the plan stage, at the same path inside the EE (mounted below).
bash "$top/examples/components/make-demo-remotes.sh" "$work/demo" >/dev/null
cat >"$pdd/inventory/hosts.yml" <<'INVENTORY'
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: /usr/bin/python3
  children:
    build_hosts:
      hosts:
        localhost:
    release_managers:
      hosts:
        localhost:
INVENTORY
password="casa-awx-secret-$run_id-$RANDOM$RANDOM"
printf '{"username": "casa-awx", "password": "%s"}\n' "$password" >"$work/credential.json"
"$python" awx_examples.py inject "$top" "$top/examples/awx/credential_types/registry.yml" "$work/credential.json" "$work/credential-files" \
    | jq .extra_vars >"$work/injected.json"
# Extra variables: the job template's, the survey answers, then the credential's injection.
"$python" - "$work/injected.json" "$pdd/env/extravars" <<PYTHON
import json, sys
extravars = {
    'docker_images_recipes': '/runner/project/images',
    'docker_images_name_prefix': '127.0.0.1:5000/casa-awx/job-$run_id/',
    'docker_images_template_parameters': {'base_image': '$base_image'},
    'docker_images_patterns': '*/casa-run',
    'docker_images_push': 'true',
    # Builds need no network; host networking also spares the daemon's bridge.
    'docker_images_network': 'host',
    'release_plan_components_file': '$work/demo/components.yml',
    'release_plan_file': '$work/demo/release_plan.yml',
    'release_plan_markdown_report': '$work/demo/release_plan.md',
    'release_plan_work_dir': '$work/demo/clones',
}
with open(sys.argv[1]) as handle:
    extravars.update(json.load(handle))
with open(sys.argv[2], 'w') as handle:
    json.dump(extravars, handle)
PYTHON
cat >"$pdd/env/settings" <<SETTINGS
{"process_isolation": true, "process_isolation_executable": "docker", "container_image": "$ee_image",
 "container_volume_mounts": ["/var/run/docker.sock:/var/run/docker.sock", "$work/demo:$work/demo"],
 "container_options": ["--network=host"]}
SETTINGS
chmod -R go-rwx "$pdd"

job() {
    local ident="casa-awx-$1-$run_id" start
    start="$(date +%s.%N)"
    ansible-runner run "$pdd" -p release.yml --ident "$ident" --cmdline '--tags plan,images' >"$work/$1.out" 2>&1 || true
    echo "$1: $(echo "$(date +%s.%N) - $start" | bc) s"
    artifacts="$pdd/artifacts/$ident"
    [ "$(cat "$artifacts/rc" 2>/dev/null)" = 0 ] || { tail -40 "$work/$1.out"; fail "$1: rc $(cat "$artifacts/rc" 2>/dev/null)"; }
    [ "$(cat "$artifacts/status")" = successful ] || fail "$1: status $(cat "$artifacts/status")"
    events="$(find "$artifacts/job_events" -name '*.json' | wc -l)"
    [ "$events" -gt 10 ] || fail "$1: $events job events"
    echo "$1: rc 0, status successful, $events job events; slowest tasks:"
    "$python" - "$artifacts/job_events" <<'PYTHON'
import glob, json, sys
found = [json.load(open(p))['event_data'] for p in glob.glob(sys.argv[1] + '/*.json')]
timed = sorted((e['duration'], e.get('task', '?')) for e in found if isinstance(e.get('duration'), (int, float)))
for duration, task in timed[-3:][::-1]:
    print('  %6.1f s  %s' % (duration, task))
PYTHON
}
# result TASK [KEY...]: a value of the result of TASK's runner_on_ok event (default: changed).
result() {
    "$python" - "$artifacts/job_events" "$@" <<'PYTHON'
import glob, json, sys
events = [json.load(open(p)) for p in glob.glob(sys.argv[1] + '/*.json')]
# An asynchronous task also has a runner_on_async_ok event: the final result is runner_on_ok's.
results = [e['event_data']['res'] for e in events
           if e.get('event') == 'runner_on_ok' and e['event_data'].get('task') == sys.argv[2] and 'res' in e['event_data']]
if len(results) != 1:
    sys.exit('%d results for task %r' % (len(results), sys.argv[2]))
value = results[0]
for key in sys.argv[3:] or ['changed']:
    value = value[key]
print(str(value).lower() if isinstance(value, bool) else value)
PYTHON
}
changed() { result "$1"; }
skipped() {  # skipped TASK: the task was skipped in the last job (one runner_on_skipped event)
    "$python" - "$artifacts/job_events" "$1" <<'PYTHON'
import glob, json, sys
events = [json.load(open(p)) for p in glob.glob(sys.argv[1] + '/*.json')]
count = sum(1 for e in events if e.get('event') == 'runner_on_skipped' and e['event_data'].get('task') == sys.argv[2])
print('true' if count == 1 else 'false (%d skipped events)' % count)
PYTHON
}

echo "== first job: plans the release and builds and pushes the image"
job job1
[ "$(changed 'Look whether the image family needs work')" = true ] || fail "job1: the look at the family saw nothing to do"
[ "$(changed 'Build the image family in dependency order')" = true ] || fail "job1: the image build reported no change"
[ "$(changed 'Create the release plan')" = true ] || fail "job1: the release plan was not created"
[ -s "$work/demo/release_plan.md" ] || fail "job1: no markdown report"
tags="$(curl -fsS "http://127.0.0.1:5000/v2/casa-awx/job-$run_id/casa-run/tags/list")"
echo "registry: $tags"
echo "$tags" | grep -q '"5.3"' || fail "job1: casa-run:5.3 is not in the registry"

echo "== second job: nothing changes"
job job2
# The quick look finds nothing to do: the asynchronous build does not even start.
[ "$(changed 'Look whether the image family needs work')" = false ] || fail "job2: the look at the family saw work"
[ "$(skipped 'Build the image family in dependency order')" = true ] || fail "job2: the image build was not skipped"
[ "$(changed 'Create the release plan')" = false ] || fail "job2: the release plan changed"

echo "== the registry password in no job event nor artifact"
[ "$(jq -r .docker_images_registry_password "$pdd/env/extravars")" = "$password" ] || fail "the password was not injected"
# It reached the module, as a no_log option.
[ "$(result 'Look whether the image family needs work' invocation module_args registry_password)" = VALUE_SPECIFIED_IN_NO_LOG_PARAMETER ] \
    || fail "the module got no registry password"
hits="$(grep -rlF -- "$password" "$pdd/artifacts" "$work"/job*.out "$work/demo" || true)"
[ -z "$hits" ] || fail "the registry password is in: $hits"
echo "password hits in $(find "$pdd/artifacts" -type f | wc -l) artifact files: 0"
