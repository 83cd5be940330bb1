# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DockerImageManager against a fake Docker client (conftest.FakeDockerClient): build order,
rebuild reasons, check mode, push results and what a failure reports."""

from __future__ import annotations


import pytest

from ansible_collections.casa.distro.plugins.module_utils import _docker
from ansible_collections.casa.distro.plugins.module_utils._docker_image.debootstrap import BOOTSTRAP_HASH_LABEL, Debootstrap, spec_hash
from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.manager import DockerImageManager
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import HASH_LABEL, NAME_LABEL
from ansible_collections.casa.distro.plugins.module_utils._docker_image.selection import pull_policy, selected_images
from ansible_collections.casa.distro.plugins.module_utils._docker_image.version import COLLECTION_VERSION
from ansible_collections.casa.distro.tests.unit.utils.files import write


def params(family, **extra):
    values = dict(recipes=str(family), name_prefix='reg/', image_names=['*'], state='present', source='build',
                  template_parameters={}, build_args={}, labels={}, context_hash_cache='', push=False, force=False)
    values.update(extra)
    return values


def run(client, family, check_mode=False, verbosity=0, **extra):
    manager = DockerImageManager(params(family, **extra), client, check_mode, verbosity=verbosity)
    return manager, manager.run()


def by_name(result):
    return {image['name']: image for image in result['images']}


# ------------------------------------------------------------------ build order and idempotence

def test_family_is_built_parents_first_then_nothing_changes(client, family):
    client.add_image('base/debian:12')
    _manager, result = run(client, family)
    assert [build['tag'] for build in client.builds] == ['reg/run:latest', 'reg/dev:1', 'reg/tool:1']
    assert result['changed']
    images = by_name(result)
    assert [image['name'] for image in result['images']] == ['reg/run', 'reg/dev', 'reg/tool']
    assert images['reg/run']['built'] and images['reg/run']['build_reason'] == 'image not in the daemon'
    # The last tag is built, the other tags follow it.
    assert client.local['reg/run:1'] == client.local['reg/run:latest'] == images['reg/run']['image_id']
    assert any(action.startswith('Tagged ') for action in images['reg/run']['actions'])
    labels = images['reg/dev']['labels']
    assert labels[HASH_LABEL] == images['reg/dev']['recipe_hash'] and labels[NAME_LABEL] == 'reg/dev'
    assert images['reg/run']['image_ids_before'] == {'reg/run:1': None, 'reg/run:latest': None}
    assert result['diff']['after']['reg/tool:1'] == images['reg/tool']['image_id']
    # The staged context: template rendered (built-in casa_version), definition left out.
    run_build = client.builds[0]
    assert 'Dockerfile' in run_build['context_paths'] and 'casa_distro_docker.yaml' not in run_build['context_paths']

    _manager, again = run(client, family)
    assert len(client.builds) == 3 and not again['changed'] and again['actions'] == []
    assert [image['build_reason'] for image in again['images']] == [None, None, None]
    assert [image['built'] for image in again['images']] == [False, False, False]


def test_template_parameters_include_the_collection_version(client, family):
    client.add_image('base/debian:12')
    images, _unselected = selected_images(params(family))
    assert images[0].template_parameters['casa_version'] == COLLECTION_VERSION
    images, _unselected = selected_images(params(family, template_parameters={'casa_version': '9'}))
    assert images[0].template_parameters['casa_version'] == '9'


def test_image_names_select_and_unselected_parents_must_exist(client, family):
    client.add_image('base/debian:12')
    with pytest.raises(_docker.DockerError) as err:
        run(client, family, image_names=['reg/tool:*'])
    assert 'Base image reg/run:1 of reg/tool:1 is not in the Docker daemon' in str(err.value)
    run(client, family, image_names=['reg/run*'])
    _manager, result = run(client, family, image_names=['reg/tool:*'])
    assert [image['name'] for image in result['images']] == ['reg/tool']


def test_no_match_names_the_images(client, family):
    with pytest.raises(RecipeError) as err:
        run(client, family, image_names=['nothing*'])
    assert 'matches image_names' in str(err.value) and 'reg/run:latest' in str(err.value)


def test_missing_base_image_is_explained(client, family):
    with pytest.raises(_docker.DockerError) as err:
        run(client, family)
    assert 'base/debian:12' in str(err.value) and 'pull=true' in str(err.value)


# ------------------------------------------------------------------ rebuild reasons

def test_changed_input_rebuilds_the_image_and_its_children(client, family):
    client.add_image('base/debian:12')
    run(client, family)
    write(str(family / 'run' / 'script.sh'), 'echo changed\n', 0o755)
    _manager, result = run(client, family)
    images = by_name(result)
    assert images['reg/run']['build_reason'].startswith('recipe inputs changed (hash sha256:')
    # The children's hash covers the parent's image ID: they follow.
    assert images['reg/dev']['built'] and images['reg/tool']['built']
    assert result['changed']


def test_build_args_and_labels_are_inputs(client, family):
    client.add_image('base/debian:12')
    run(client, family)
    _manager, result = run(client, family, build_args={'A': '1'})
    assert all(image['built'] for image in result['images'])
    assert client.builds[-1]['buildargs'] == {'A': '1'}
    _manager, result = run(client, family, build_args={'A': '1'}, labels={'team': 'x'})
    assert all(image['built'] for image in result['images'])


def test_force_and_unlabelled_images(client, family):
    client.add_image('base/debian:12')
    client.add_image('reg/run:latest')  # built by someone else
    _manager, result = run(client, family, image_names=['reg/run*'])
    assert by_name(result)['reg/run']['build_reason'] == (
        'existing image has no %s label (not built by casa.distro)' % HASH_LABEL)
    _manager, result = run(client, family, image_names=['reg/run*'], force=True)
    assert by_name(result)['reg/run']['build_reason'] == 'force=true'


# ------------------------------------------------------------------ check mode

def test_check_mode_builds_nothing_and_says_why(client, family):
    client.add_image('base/debian:12')
    _manager, result = run(client, family, check_mode=True)
    assert client.builds == [] and result['changed']
    images = by_name(result)
    assert images['reg/run']['build_reason'] == 'image not in the daemon'
    assert images['reg/dev']['build_reason'] == 'parent reg/run:1 would be rebuilt'
    assert images['reg/tool']['build_reason'] == 'parent reg/run:1 would be rebuilt'
    assert result['actions'][0] == 'Would build reg/run:latest (image not in the daemon)'
    assert all(image['image_id'] is None for image in result['images'])


def test_check_mode_after_a_build_predicts_no_change(client, family):
    client.add_image('base/debian:12')
    run(client, family)
    _manager, result = run(client, family, check_mode=True)
    assert not result['changed'] and result['actions'] == []


def test_check_mode_missing_tag_would_be_set(client, family):
    client.add_image('base/debian:12')
    run(client, family, image_names=['reg/run*'])
    del client.local['reg/run:1']
    _manager, result = run(client, family, check_mode=True, image_names=['reg/run*'])
    assert result['actions'] == ['Would tag %s as reg/run:1' % client.local['reg/run:latest']]
    assert 'reg/run:1' not in client.local


# ------------------------------------------------------------------ push

def test_push_returns_digests_and_is_idempotent(client, family):
    client.add_image('base/debian:12')
    run(client, family)
    _manager, result = run(client, family, source='local', push=True, registry_username='u', registry_password='p')
    images = by_name(result)
    assert result['changed'] and sorted(images['reg/run']['pushed']) == ['1', 'latest']
    assert images['reg/run']['pushed']['1'] == client.registry['reg/run:1'][0]
    assert client.pushes[0][1] == {'username': 'u', 'password': 'p'}
    assert any(action.startswith('Pushed reg/run:1 (sha256:') for action in result['actions'])
    pushes = len(client.pushes)
    _manager, again = run(client, family, source='local', push=True)
    assert not again['changed'] and len(client.pushes) == pushes
    assert by_name(again)['reg/run']['pushed'] == images['reg/run']['pushed']


def test_push_in_check_mode(client, family):
    client.add_image('base/debian:12')
    _manager, result = run(client, family, check_mode=True, push=True)
    assert 'Would push reg/run:1 once built' in result['actions'] and client.pushes == []
    run(client, family)
    _manager, result = run(client, family, check_mode=True, source='local', push=True)
    assert 'Would push reg/dev:1' in result['actions'] and client.pushes == []


def test_local_source_requires_the_tags(client, family):
    with pytest.raises(_docker.DockerError) as err:
        run(client, family, source='local', image_names=['reg/run*'])
    assert 'source=local: reg/run:1, reg/run:latest not in the Docker daemon' in str(err.value)


# ------------------------------------------------------------------ failure reports what was done

def test_partial_results_after_a_failed_build(client, family):
    client.add_image('base/debian:12')
    client.fail_build = 'reg/dev'
    manager = DockerImageManager(params(family), client)
    with pytest.raises(_docker.BuildError) as err:
        manager.run()
    assert err.value.details['failed_step'] == 'Step 2/2 : RUN false'
    partial = manager.partial_results()
    assert partial['changed']
    assert [image['name'] for image in partial['images']] == ['reg/run', 'reg/dev']
    assert by_name(partial)['reg/run']['built'] and not by_name(partial)['reg/dev']['built']
    assert partial['actions'][0].startswith('Built reg/run:latest as sha256:')


# ------------------------------------------------------------------ pull, bootstrap, absent

def test_pull_and_pull_check_mode(client):
    digest = 'sha256:' + 'a' * 64
    client.registry['reg/x:1'] = (digest, 'sha256:' + 'b' * 64)
    single = dict(name='reg/x:1', tags=None, source='pull', state='present', context_hash_cache='')
    checked = DockerImageManager(single, client, check_mode=True).run()
    assert checked['changed'] and checked['actions'] == ['Would pull reg/x:1 (%s)' % digest]
    assert client.pulls == []
    pulled = DockerImageManager(single, client).run()
    assert pulled['changed'] and pulled['images'][0]['pulled'] == {'1': digest}
    assert pulled['images'][0]['image_ids_before'] == {'reg/x:1': None}
    again = DockerImageManager(single, client).run()
    assert not again['changed']
    assert not DockerImageManager(single, client, check_mode=True).run()['changed']


def test_pull_check_mode_of_an_unknown_image(client):
    single = dict(name='reg/none', source='pull', state='present', context_hash_cache='')
    with pytest.raises(_docker.DockerError) as err:
        DockerImageManager(single, client, check_mode=True).run()
    assert 'reg/none:latest is not in its registry' in str(err.value)


def test_bootstrap_is_idempotent_on_its_inputs(client):
    spec = {'suite': 'bookworm'}
    single = dict(name='base/debian', tags=['12'], source='bootstrap', state='present', bootstrap=spec,
                  context_hash_cache='')
    result = DockerImageManager(single, client, check_mode=True).run()
    assert result['changed'] and result['actions'] == ['Would bootstrap base/debian:12 bookworm (image not in the daemon)']
    client.add_image('base/debian:12', {BOOTSTRAP_HASH_LABEL: spec_hash(spec)})
    assert not DockerImageManager(single, client).run()['changed']
    changed = dict(single, bootstrap={'suite': 'bookworm', 'packages': ['vim']})
    result = DockerImageManager(changed, client, check_mode=True).run()
    assert result['images'][0]['build_reason'] == 'bootstrap inputs changed'
    with pytest.raises(RecipeError):
        DockerImageManager(dict(single, bootstrap={}), client).run()


def test_absent_removes_children_first(client, family):
    client.add_image('base/debian:12')
    run(client, family)
    _manager, checked = run(client, family, check_mode=True, state='absent')
    assert checked['changed'] and 'reg/run:1' in client.local
    _manager, result = run(client, family, state='absent')
    removed = [action.split()[1] for action in result['actions']]
    assert removed == ['reg/tool:1', 'reg/dev:1', 'reg/run:1', 'reg/run:latest']
    _manager, again = run(client, family, state='absent')
    assert not again['changed']


def test_single_image_name_with_tag_and_invalid_tag(client, tmp_path):
    write(str(tmp_path / 'Dockerfile'), 'FROM scratch\n')
    single = dict(name='reg/one:2', tags=['latest'], path=str(tmp_path), state='present', source='build',
                  context_hash_cache='')
    result = DockerImageManager(single, client).run()
    assert result['images'][0]['tags'] == ['2', 'latest'] and client.builds[0]['tag'] == 'reg/one:latest'
    with pytest.raises(RecipeError) as err:
        DockerImageManager(dict(single, tags=['-bad tag']), client).run()
    assert "invalid tag '-bad tag'" in str(err.value)
    with pytest.raises(RecipeError) as err:
        DockerImageManager(dict(single, path=None), client).run()
    assert 'source=build needs path' in str(err.value)


def test_bootstrap_imports_the_tar_of_the_root_filesystem(client, tmp_path, monkeypatch):
    scratch = tmp_path / 'scratch'
    (scratch / 'rootfs' / 'etc').mkdir(parents=True)
    (scratch / 'rootfs' / 'etc' / 'os-release').write_text('ID=debian\n')
    monkeypatch.setattr(Debootstrap, 'build_rootfs', lambda self, spec: (str(scratch), str(scratch / 'rootfs')))
    spec = {'suite': 'bookworm'}
    single = dict(name='base/debian', tags=['12', 'latest'], source='bootstrap', state='present', bootstrap=spec,
                  context_hash_cache='')
    result = DockerImageManager(single, client).run()
    image = result['images'][0]
    assert result['changed'] and image['built'] and client.imports[0]['reference'] == 'base/debian:latest'
    assert client.imports[0]['size'] > 0 and image['labels'][BOOTSTRAP_HASH_LABEL] == spec_hash(spec)
    assert client.local['base/debian:12'] == image['image_id']
    assert result['actions'][0].startswith('Bootstrapped base/debian:latest from bookworm http://deb.debian.org/debian as sha256:')
    assert not scratch.exists()  # the scratch root filesystem is removed
    assert not DockerImageManager(single, client).run()['changed']


# ------------------------------------------------------------------ pull policy of base images (issue 10)

def publish_base(client, reference='base/debian:12'):
    """Put a base image in the fake registry only."""
    image_id = client.add_image(reference)
    del client.local[reference]
    client.registry[reference] = ('sha256:' + 'b' * 64, image_id)
    return image_id


@pytest.mark.parametrize('value, policy', [
    (None, 'never'), (False, 'never'), (True, 'always'), ('missing', 'missing'), ('Always', 'always'),
    ('never', 'never'), ('yes', 'always'), ('false', 'never'),
])
def test_pull_policy_values(value, policy):
    assert pull_policy(value) == policy


@pytest.mark.parametrize('value', ['sometimes', 5, ['always']])
def test_pull_policy_refuses_other_values(value):
    with pytest.raises(RecipeError, match='pull: expected one of missing, always, never'):
        pull_policy(value)


def test_pull_missing_fetches_an_absent_root_base_once(client, family):
    base_id = publish_base(client)
    _manager, result = run(client, family, pull='missing')
    assert client.pulls == ['base/debian:12']
    run_image = by_name(result)['reg/run']
    assert run_image['built'] and 'Pulled base image base/debian:12: None -> %s' % base_id in run_image['actions']
    # Present now: not pulled again.
    run(client, family, pull='missing')
    assert client.pulls == ['base/debian:12']


def test_pull_always_pulls_before_every_build_and_never_pulls_tree_images(client, family):
    publish_base(client)
    run(client, family, pull=True)
    _manager, again = run(client, family, pull='always')
    assert client.pulls == ['base/debian:12', 'base/debian:12'] and not again['changed']
    # reg/run:1 is an image of the tree: with only tool selected it must exist, it is not pulled.
    _manager, tool = run(client, family, pull='always', image_names=['reg/tool:*'])
    assert 'reg/run:1' not in client.pulls and tool['images'][0]['name'] == 'reg/tool'


def test_check_mode_predicts_a_pull_of_a_missing_base(client, family):
    publish_base(client)
    _manager, result = run(client, family, check_mode=True, pull='missing')
    assert client.pulls == [] and client.builds == [] and result['changed']
    run_image = by_name(result)['reg/run']
    assert run_image['build_reason'] == 'image not in the daemon'
    assert 'Would pull base image base/debian:12 (sha256:%s)' % ('b' * 64) in run_image['actions']


def test_check_mode_predicts_a_newer_base_and_the_rebuilds(client, family):
    publish_base(client)
    run(client, family, pull='missing')
    client.registry['base/debian:12'] = ('sha256:' + 'c' * 64, client.add_image('base/debian:new'))
    _manager, result = run(client, family, check_mode=True, pull='always')
    images = by_name(result)
    assert images['reg/run']['build_reason'] == 'base image base/debian:12 would be pulled'
    assert images['reg/dev']['build_reason'] == 'parent reg/run:1 would be rebuilt'
    _manager, result = run(client, family, check_mode=True, pull='missing')
    assert not result['changed']


def test_check_mode_base_nowhere_is_an_error(client, family):
    with pytest.raises(_docker.DockerError, match='neither in the Docker daemon nor in its registry'):
        run(client, family, check_mode=True, pull='missing')
    with pytest.raises(_docker.DockerError, match='pull=true means always'):
        run(client, family, check_mode=True, pull='never')


def test_check_mode_missing_base_that_an_earlier_task_would_make(client, family):
    # The whole release's dry run on a fresh host: the bootstrap task would make the base.
    _manager, result = run(client, family, check_mode=True, pending_bases=['base/debian:12'])
    images = by_name(result)
    assert client.builds == [] and client.pulls == [] and result['changed']
    assert images['reg/run']['build_reason'] == 'parent base/debian:12 would be rebuilt'
    assert 'Would build reg/run:latest (parent base/debian:12 would be rebuilt)' in result['actions']
    assert images['reg/dev']['build_reason'] == 'parent reg/run:1 would be rebuilt'
    # Without check mode the option is ignored: the missing base is the usual error.
    with pytest.raises(_docker.DockerError, match='is not in the Docker daemon'):
        run(client, family, pending_bases=['base/debian:12'])


def test_pending_base_in_the_daemon_rebuilds_its_children(client, family):
    # A base there already that the earlier task would rebuild (its inputs changed): the family
    # would be rebuilt on it. A base nobody would rebuild changes nothing.
    client.add_image('base/debian:12')
    run(client, family)
    _manager, result = run(client, family, check_mode=True, pending_bases=['base/debian:12'])
    assert by_name(result)['reg/run']['build_reason'] == 'parent base/debian:12 would be rebuilt'
    _manager, result = run(client, family, check_mode=True, pending_bases=['base/other:1'])
    assert not result['changed']


def test_dependency_directories_and_missing_paths_in_check_mode(client, tmp_path):
    root = tmp_path / 'v2'
    write(str(root / 'casa-test' / 'a' / 'casa_distro_docker.yaml'), 'image_sources: [{name: casa-test, tags: [a]}]\n')
    write(str(root / 'casa-test' / 'a' / 'Dockerfile'), 'FROM base/debian:12\n')
    write(str(root / 'casa-test' / 'b' / 'casa_distro_docker.yaml'), 'image_sources: [{name: casa-test, tags: [b]}]\n')
    write(str(root / 'casa-test' / 'b' / 'Dockerfile'), 'FROM base/debian:12\n')
    write(str(root / 'casa-dev' / 'a' / 'casa_distro_docker.yaml'),
          "dependencies: ['../../casa-test', '../../gone']\nimage_sources: [{name: casa-dev, tags: [a]}]\n")
    write(str(root / 'casa-dev' / 'a' / 'Dockerfile'), 'FROM reg/casa-test:a\n')
    client.add_image('base/debian:12')
    for check_mode in (True, False):
        manager, result = run(client, root, check_mode=check_mode)
        assert [image['name'] + ':' + image['tags'][0] for image in result['images']] == [
            'reg/casa-test:a', 'reg/casa-test:b', 'reg/casa-dev:a']
        assert len(manager.warnings) == 1 and '../../gone does not exist' in manager.warnings[0]
        assert result['ignored_dependencies'] == manager.warnings


# ------------------------------------------------------------------ prune=superseded

def test_prune_superseded_removes_what_a_rebuild_left_and_nothing_else(client, family):
    client.add_image('base/debian:12')
    run(client, family)
    old = {name: client.local['reg/%s:1' % name] for name in ('run', 'dev', 'tool')}
    foreign = client.add_image('reg/run-extra:1', {NAME_LABEL: 'reg/run-extra', HASH_LABEL: 'sha256:0'})
    write(str(family / 'run' / 'script.sh'), 'echo changed\n', 0o755)
    client.container_images.add(old['tool'])

    _manager, check = run(client, family, check_mode=True, prune='superseded')
    assert sorted(item['image_id'] for item in check['pruned']) == sorted([old['run'], old['dev']])
    assert all(image_id in client.infos for image_id in old.values())
    assert [a for a in check['actions'] if a.startswith('Would remove superseded')] == [
        'Would remove superseded untagged image (%s)' % image_id for image_id in sorted([old['run'], old['dev']])]

    _manager, result = run(client, family, prune='superseded')
    assert result['changed']
    assert sorted(item['image_id'] for item in result['pruned']) == sorted([old['run'], old['dev']])
    # The image a container uses, the base and the image of another repository stay.
    assert old['tool'] in client.infos and foreign in client.infos and client.image_id('base/debian:12')
    assert old['run'] not in client.infos and old['dev'] not in client.infos

    _manager, again = run(client, family, prune='superseded')
    assert not again['changed'] and again['pruned'] == [] and again['actions'] == []


def test_no_pruned_result_without_prune(client, family):
    client.add_image('base/debian:12')
    _manager, result = run(client, family)
    assert 'pruned' not in result


# ------------------------------------------------------------------ live log

def test_builds_and_pushes_go_to_the_live_log_as_they_come(client, family, tmp_path):
    client.add_image('base/debian:12')
    path = str(tmp_path / 'logs' / 'images.log')
    _manager, result = run(client, family, push=True, log_path=path, verbosity=1)
    with open(path) as handle:
        text = handle.read()
    for reference in ('reg/run:latest', 'reg/dev:1', 'reg/tool:1'):
        assert text.index('--- building %s' % reference) < text.index('Step 1/1 : building %s' % reference)
        assert '--- pushing %s' % reference in text
    assert text.index('Step 1/1 : building reg/tool:1') < text.index('--- pushing reg/run:latest')
    assert result['log_path'] == path and result['log_lines'][0].startswith('--- building reg/run:latest')
    assert ': Pushed' in result['log_lines'][-1]


def test_a_dry_run_writes_no_live_log_and_the_lines_need_verbose(client, family, tmp_path):
    client.add_image('base/debian:12')
    path = tmp_path / 'images.log'
    _manager, result = run(client, family, check_mode=True, log_path=str(path))
    assert not path.exists() and 'log_path' not in result and 'log_lines' not in result
