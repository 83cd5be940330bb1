# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release_summary callback: aggregation of results recorded from a real run of the modules
(casa_docker_image, casa_singularity_image) and of the RETURN samples (casa_release_plan,
subuser_repo), the table, secrets, and the JSON file written at the end of a run."""

from __future__ import annotations

import copy
import json
import os
from types import SimpleNamespace

import pytest

from ansible_collections.casa.distro.plugins.callback import release_summary
from ansible_collections.casa.distro.plugins.callback.release_summary import CallbackModule, ReleaseSummary, scrub

# ------------------------------------------------------------------ recorded results
# From a run of tests/integration/targets/release_summary (paths and names shortened).
BOOTSTRAP_REUSED = {
    'changed': False,
    'images': [
        {
            'name': '127.0.0.1:5000/casa/debian', 'tags': ['bookworm'],
            'image_id': 'sha256:5ee66d9076ca74086a1cd337f0c02d57b03268f008d54970ee25828d727edc6f',
            'image_ids_before': {'127.0.0.1:5000/casa/debian:bookworm': 'sha256:5ee66d9076ca74086a1cd337f0c02d57b03268f008d54970ee25828d727edc6f'},
            'repo_digests': [], 'size': 198900704, 'recipe_hash': 'sha256:ad454322a5e6ae7345c4c9cbdc6589651530d83e74ab9049c3bdf6d62242ef68',
            'built': False, 'build_reason': None, 'pushed': {}, 'pulled': {}, 'actions': [],
        },
    ],
    'actions': [],
}

BUILT_AND_PUSHED = {
    'changed': True,
    'images': [
        {
            'name': '127.0.0.1:5000/casa/tiny', 'tags': ['1', 'latest'],
            'image_id': 'sha256:a32a5ce9475d7ecb3176348e55455a548b03689e7d80ef5ac59560f3dc6ac6df',
            'image_ids_before': {'127.0.0.1:5000/casa/tiny:1': None, '127.0.0.1:5000/casa/tiny:latest': None},
            'repo_digests': ['127.0.0.1:5000/casa/tiny@sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3'], 'size': 198900709,
            'recipe_hash': 'sha256:a9ab520b5b18251ccae3fc1d70d9b8ff52b54216e6f3485c7f23ed9a5d9d5a09', 'built': True,
            'build_reason': 'image not in the daemon',
            'pushed': {
                '1': 'sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3',
                'latest': 'sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3',
            },
            'pulled': {},
            'actions': [
                'Built 127.0.0.1:5000/casa/tiny:latest as sha256:a32a5ce9475d7ecb3176348e55455a548b03689e7d80ef5ac59560f3dc6ac6df (image not in the daemon)',
                'Tagged sha256:a32a5ce9475d7ecb3176348e55455a548b03689e7d80ef5ac59560f3dc6ac6df as 127.0.0.1:5000/casa/tiny:1',
                'Pushed 127.0.0.1:5000/casa/tiny:1 (sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3)',
                'Pushed 127.0.0.1:5000/casa/tiny:latest (sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3)',
            ],
        },
    ],
    'actions': [
        'Built 127.0.0.1:5000/casa/tiny:latest as sha256:a32a5ce9475d7ecb3176348e55455a548b03689e7d80ef5ac59560f3dc6ac6df (image not in the daemon)',
        'Tagged sha256:a32a5ce9475d7ecb3176348e55455a548b03689e7d80ef5ac59560f3dc6ac6df as 127.0.0.1:5000/casa/tiny:1',
        'Pushed 127.0.0.1:5000/casa/tiny:1 (sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3)',
        'Pushed 127.0.0.1:5000/casa/tiny:latest (sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3)',
    ],
}

CONVERTED = {
    'dest': '/srv/release/tiny.sif', 'source_image_id': 'sha256:a32a5ce9475d7ecb3176348e55455a548b03689e7d80ef5ac59560f3dc6ac6df',
    'source_reference': '127.0.0.1:5000/casa/tiny:1', 'source_digest': 'sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3',
    'backend': 'native', 'arch': 'amd64', 'build_reason': 'no SIF at /srv/release/tiny.sif', 'converted': True,
    'metadata': {
        'name': 'casa-summary-tiny', 'type': 'run', 'system': 'debian-12', 'image_version': '1.0', 'container_type': 'singularity',
        'compatibility': [], 'build_number': None, 'source_date_epoch': 1795324271, 'creation_time': '2026-11-22T05:12:01+00:00', 'size': 115965952,
        'md5': 'f40e9cd989ebc0e6ebc67b473d18b9b9', 'sha256': '34c70680e849b941c875443636e34eca3e61d14de8c45cdf7379db112dc79e43',
        'image_id': '6b751858-d0de-5c38-b2f7-8200eade9b06',
        'source_image_id': 'sha256:a32a5ce9475d7ecb3176348e55455a548b03689e7d80ef5ac59560f3dc6ac6df', 'source_reference': '127.0.0.1:5000/casa/tiny:1',
        'source_digest': 'sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3', 'compression': 'lz4', 'backend': 'native',
        'arch': 'amd64',
    },
    'seconds': 40.51, 'changed': True,
    'actions': [
        'Converted 127.0.0.1:5000/casa/tiny:1 (sha256:a32a5ce9475d) to /srv/release/tiny.sif with the native back end in 40.5 s '
        '(no SIF at /srv/release/tiny.sif)',
    ],
    'path': '/srv/release/tiny.sif', 'side_file': '/srv/release/tiny.sif.json', 'uid': 0, 'gid': 0, 'owner': 'root', 'group': 'root', 'mode': '0755',
    'state': 'file', 'size': 115965952,
}

PUBLICATION_QUERY = {
    'name': 'casa-summary-tiny', 'sha256': '34c70680e849b941c875443636e34eca3e61d14de8c45cdf7379db112dc79e43', 'publish_dir': '/srv/release/publish',
    'up_to_date': False, 'upload_path': '/srv/release/publish/.incoming/casa-summary-tiny-34c70680e849b941.sif', 'upload_needed': True,
    'published': False, 'index_path': '/srv/release/publish/index.json', 'latest': None, 'builds': [], 'removed_builds': [], 'changed': True,
    'actions': [
        'Created /srv/release/publish',
        'casa-summary-tiny (sha256 34c70680e849b941) is not published: copy it to /srv/release/publish/.incoming/casa-summary-tiny-34c70680e849b941.sif',
    ],
}

PUBLISHED = {
    'name': 'casa-summary-tiny', 'sha256': '34c70680e849b941c875443636e34eca3e61d14de8c45cdf7379db112dc79e43', 'publish_dir': '/srv/release/publish',
    'up_to_date': False, 'upload_path': '/srv/release/publish/.incoming/casa-summary-tiny-34c70680e849b941.sif', 'upload_needed': False,
    'published': True, 'build_number': 1, 'published_file': 'casa-summary-tiny-1.sif',
    'published_path': '/srv/release/publish/casa-summary-tiny-1.sif',
    'metadata': {
        'name': 'casa-summary-tiny', 'type': 'run', 'system': 'debian-12', 'image_version': '1.0', 'container_type': 'singularity',
        'compatibility': [], 'build_number': 1, 'source_date_epoch': 1795324271, 'creation_time': '2026-11-22T05:12:01+00:00', 'size': 115965952,
        'md5': 'f40e9cd989ebc0e6ebc67b473d18b9b9', 'sha256': '34c70680e849b941c875443636e34eca3e61d14de8c45cdf7379db112dc79e43',
        'image_id': '6b751858-d0de-5c38-b2f7-8200eade9b06',
        'source_image_id': 'sha256:a32a5ce9475d7ecb3176348e55455a548b03689e7d80ef5ac59560f3dc6ac6df', 'source_reference': '127.0.0.1:5000/casa/tiny:1',
        'source_digest': 'sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3', 'compression': 'lz4', 'backend': 'native',
        'arch': 'amd64', 'publication_time': '2026-11-22T05:12:38+00:00',
    },
    'index_path': '/srv/release/publish/index.json', 'latest': 'casa-summary-tiny-1.sif',
    'builds': [
        {
            'file': 'casa-summary-tiny-1.sif', 'build_number': 1, 'size': 115965952, 'md5': 'f40e9cd989ebc0e6ebc67b473d18b9b9',
            'sha256': '34c70680e849b941c875443636e34eca3e61d14de8c45cdf7379db112dc79e43', 'image_id': '6b751858-d0de-5c38-b2f7-8200eade9b06',
            'image_version': '1.0', 'type': 'run', 'system': 'debian-12', 'creation_time': '2026-11-22T05:12:01+00:00',
            'publication_time': '2026-11-22T05:12:38+00:00', 'origin_run': None,
            'source_image_id': 'sha256:a32a5ce9475d7ecb3176348e55455a548b03689e7d80ef5ac59560f3dc6ac6df', 'metadata': 'casa-summary-tiny-1.sif.json',
            'url': 'http://downloads.example.org/sif/casa-summary-tiny-1.sif',
        },
    ],
    'url': 'http://downloads.example.org/sif/casa-summary-tiny-1.sif', 'removed_builds': [], 'changed': True,
    'actions': [
        'Published /srv/release/publish/.incoming/casa-summary-tiny-34c70680e849b941.sif as casa-summary-tiny-1.sif (build 1)',
        'Updated /srv/release/publish/index.json',
    ],
}


DIGEST = 'sha256:b762a4a244adf27529c3f938217bfcb1c268b678fd1bcb7494a7a0d923ee09a3'
SIF_SHA256 = '34c70680e849b941c875443636e34eca3e61d14de8c45cdf7379db112dc79e43'
SECRET = 'not-a-real-secret-4242'

# casa_release_plan's RETURN sample, with a second component whose actions are done.
PLAN_RESULT = {
    'changed': True,
    'actions': ['soma/soma-base: tag 5.1.2 at latest_release commit 1dac447a21 and push it'],
    'plan_file': '/srv/release/release_plan.yaml',
    'plan': {
        'schema_version': 1,
        'generator': 'casa.distro.casa_release_plan',
        'projects': {
            'soma': {
                'soma-base': {
                    'url': 'https://github.com/brainvisa/soma-base.git',
                    'state': 'todo',
                    'version_file': 'python/soma/info.py',
                    'bug_fix': {'branch': 'master', 'commit': 'ff33c6834e2ba72630f4f792b7e3b7a8ab16e580', 'version': '5.1.2'},
                    'latest_release': {'branch': 'latest_release', 'commit': '1dac447a2150dc55bd91dd26e97c04a67475cdc7', 'version': '5.1.2'},
                    'version_tag': {'name': '5.1.2', 'commit': None},
                    'proposed_version': '5.1.3',
                    'planned_version': '5.1.3',
                    'actions': [
                        {'action': 'tag', 'tag': '5.1.2', 'commit': '1dac447a2150dc55bd91dd26e97c04a67475cdc7', 'status': 'pending'},
                        {'action': 'set_version', 'branch': 'master', 'file': 'python/soma/info.py', 'from_version': '5.1.2',
                         'version': '5.1.3', 'parent': 'ff33c6834e2ba72630f4f792b7e3b7a8ab16e580', 'result_commit': None,
                         'status': 'pending'},
                    ],
                    'info': ['Upgrade from version 5.1.2 to version 5.1.3.'],
                    'warnings': [],
                    'errors': [],
                },
            },
            'capsul': {
                'capsul': {
                    'url': 'https://github.com/populse/capsul.git',
                    'state': 'done',
                    'actions': [{'action': 'set_branch', 'branch': 'latest_release', 'from_commit': None, 'source': 'master',
                                 'result_commit': 'aa33c6834e2ba72630f4f792b7e3b7a8ab16e580', 'status': 'done'}],
                },
            },
        },
    },
    'summary': {'error': 0, 'warning': 0, 'todo': 1, 'done': 1, 'nothing': 0, 'ignored': 0},
}

# subuser_repo's RETURN shape for operation=publish.
SUBUSER_PUBLISHED = {
    'changed': True,
    'published': {
        'dest': 'https://casa:%s@git.example.org/casa/subuser-images.git' % SECRET,
        'branch': 'master',
        'commit_before': None,
        'commit': '5d41402abc4b2a76b9719d911017c592ae1b2c3d',
        'changed_files': ['.subuser.json', 'casa-run/permissions.json', 'casa-run/image/Dockerfile'],
        'removed_sources': [],
        'pushed': True,
    },
    'actions': ['Committed 3 files to master'],
}


def summary_of(*events):
    """A ReleaseSummary fed with (action, result[, options]) events on host build1."""
    summary = ReleaseSummary()
    for event in events:
        action, result = event[0], event[1]
        options = event[2] if len(event) > 2 else {}
        summary.add(options.pop('host', 'build1'), action, copy.deepcopy(result), task='a task', **options)
    return summary


# ------------------------------------------------------------------ Docker images
def test_docker_images_built_and_reused():
    summary = summary_of(('casa.distro.casa_docker_image', BOOTSTRAP_REUSED), ('casa.distro.casa_docker_image', BUILT_AND_PUSHED))
    images = summary.as_dict()['docker_images']
    assert [(i['name'], i['status'], i['built']) for i in images] == [
        ('127.0.0.1:5000/casa/debian', 'reused', False), ('127.0.0.1:5000/casa/tiny', 'built', True)]
    tiny = images[1]
    assert tiny['tags'] == ['1', 'latest']
    assert tiny['digest'] == DIGEST
    assert tiny['size'] == 198900709
    assert tiny['image_id'] == BUILT_AND_PUSHED['images'][0]['image_id']
    assert tiny['host'] == 'build1'
    assert images[0]['digest'] is None


def test_docker_digest_from_the_daemon_when_not_pushed():
    result = copy.deepcopy(BUILT_AND_PUSHED)
    result['images'][0].update(pushed={}, built=False, build_reason=None)
    image = summary_of(('casa_docker_image', result)).as_dict()['docker_images'][0]
    assert image['digest'] == DIGEST
    assert image['status'] == 'reused'


def test_docker_pulled_digest():
    result = copy.deepcopy(BOOTSTRAP_REUSED)
    result['images'][0].update(pulled={'bookworm': 'sha256:' + '1' * 64})
    assert summary_of(('casa_docker_image', result)).as_dict()['docker_images'][0]['digest'] == 'sha256:' + '1' * 64


def test_docker_check_mode_would_build():
    result = copy.deepcopy(BUILT_AND_PUSHED)
    result['images'][0].update(built=False, pushed={}, repo_digests=[], image_id=None)
    assert summary_of(('casa_docker_image', result)).as_dict()['docker_images'][0]['status'] == 'would build'


def test_docker_image_built_then_found_again_stays_built():
    reused = copy.deepcopy(BUILT_AND_PUSHED)
    reused['images'][0].update(built=False, build_reason=None)
    image = summary_of(('casa_docker_image', BUILT_AND_PUSHED), ('casa_docker_image', reused)).as_dict()['docker_images']
    assert len(image) == 1 and image[0]['status'] == 'built'


def test_same_image_on_two_hosts_is_two_rows():
    summary = summary_of(('casa_docker_image', BUILT_AND_PUSHED), ('casa_docker_image', BUILT_AND_PUSHED, {'host': 'build2'}))
    assert [i['host'] for i in summary.as_dict()['docker_images']] == ['build1', 'build2']


# ------------------------------------------------------------------ SIF images
def test_sif_conversion_and_publication_are_one_entry():
    summary = summary_of(('casa.distro.casa_singularity_image', CONVERTED), ('casa.distro.casa_singularity_image', PUBLICATION_QUERY),
                         ('casa.distro.casa_singularity_image', PUBLISHED))
    sifs = summary.as_dict()['sif_images']
    assert len(sifs) == 1
    sif = sifs[0]
    assert sif['name'] == 'casa-summary-tiny'
    assert sif['path'] == '/srv/release/tiny.sif'
    assert sif['size'] == 115965952
    assert sif['sha256'] == SIF_SHA256
    assert sif['build_number'] == 1
    assert sif['url'] == 'http://downloads.example.org/sif/casa-summary-tiny-1.sif'
    assert sif['published_file'] == 'casa-summary-tiny-1.sif'
    assert sif['converted'] is True
    assert sif['publication'] == 'published'


def test_sif_loop_results_as_the_role_registers_them():
    item = dict(copy.deepcopy(CONVERTED), item={'name': 'casa-summary-tiny', 'image': '127.0.0.1:5000/casa/tiny:1'}, ansible_loop_var='item')
    other = copy.deepcopy(item)
    other['metadata'].update(name='other', sha256='2' * 64)
    other.update(converted=False, path='/srv/release/other.sif')
    looped = {'changed': True, 'msg': 'All items completed', 'results': [item, other, {'skipped': True, 'item': {}}]}
    summary = summary_of(('casa_singularity_image', looped))
    sifs = summary.as_dict()['sif_images']
    assert [(s['name'], s['converted']) for s in sifs] == [('casa-summary-tiny', True), ('other', False)]
    assert next(line for line in summary.render() if '/srv/release/other.sif' in line).endswith('reused')


def test_sif_already_published():
    query = copy.deepcopy(PUBLICATION_QUERY)
    query.update(up_to_date=True, upload_needed=False, build_number=3, published_file='casa-summary-tiny-3.sif',
                 url='http://downloads.example.org/sif/casa-summary-tiny-3.sif')
    sif = summary_of(('casa_singularity_image', CONVERTED), ('casa_singularity_image', query)).as_dict()['sif_images'][0]
    assert (sif['build_number'], sif['publication'], sif['path']) == (3, 'already published', '/srv/release/tiny.sif')


def test_sif_publication_in_check_mode():
    publish = copy.deepcopy(PUBLISHED)
    publish.update(published=False, build_number=2)
    sif = summary_of(('casa_singularity_image', publish, {'check_mode': True})).as_dict()['sif_images'][0]
    assert sif['publication'] == 'would publish'
    assert sif['size'] == 115965952


def test_sif_publication_only_is_named_by_its_file():
    summary = summary_of(('casa_singularity_image', PUBLISHED))
    assert any('casa-summary-tiny-1.sif' in line and '34c70680e849' in line for line in summary.render())


# ------------------------------------------------------------------ release plan
def test_release_plan_actions_done_and_pending():
    plan = summary_of(('casa.distro.casa_release_plan', PLAN_RESULT)).as_dict()['release_plans'][0]
    assert plan['plan_file'] == '/srv/release/release_plan.yaml'
    assert plan['counts'] == {'done': 1, 'pending': 2, 'failed': 0}
    assert [(a['component'], a['description'], a['status']) for a in plan['actions']] == [
        ('capsul', 'create latest_release at master', 'done'),
        ('soma-base', 'tag 5.1.2 at 1dac447a21', 'pending'),
        ('soma-base', 'set python/soma/info.py to 5.1.3 on master', 'pending')]


def test_release_plan_dry_run_never_counts_as_done():
    dry_run = copy.deepcopy(PLAN_RESULT)
    for action in dry_run['plan']['projects']['soma']['soma-base']['actions']:
        action['status'] = 'done'
    plan = summary_of(('casa_release_plan', PLAN_RESULT), ('casa_release_plan', dry_run, {'check_mode': True})).as_dict()['release_plans']
    assert plan[0]['counts'] == {'done': 1, 'pending': 2, 'failed': 0}


def test_release_plan_failed_apply_marks_pending_actions_failed():
    failed = copy.deepcopy(PLAN_RESULT)
    failed['plan']['projects']['soma']['soma-base']['actions'][0]['status'] = 'done'
    failed.update(failed=True, msg='soma/soma-base: push refused')
    summary = summary_of(('casa_release_plan', PLAN_RESULT), ('casa_release_plan', failed, {'failed': True}))
    plans = summary.as_dict()['release_plans']
    assert len(plans) == 1
    assert plans[0]['counts'] == {'done': 2, 'pending': 0, 'failed': 1}
    assert summary.as_dict()['failures'] == [{'host': 'build1', 'task': 'a task', 'msg': 'soma/soma-base: push refused'}]
    assert any('2 done, 0 pending, 1 failed' in line for line in summary.render())


def test_release_plan_without_plan_is_ignored():
    assert summary_of(('casa_release_plan', {'changed': False, 'actions': [], 'plan_file': 'p.yaml'})).as_dict()['release_plans'] == []


# ------------------------------------------------------------------ subuser commit
def test_subuser_commit_without_credentials():
    summary = summary_of(('casa.distro.subuser_repo', SUBUSER_PUBLISHED))
    commit = summary.as_dict()['subuser_commits'][0]
    assert commit['commit'] == '5d41402abc4b2a76b9719d911017c592ae1b2c3d'
    assert commit['dest'] == 'https://***@git.example.org/casa/subuser-images.git'
    assert (commit['branch'], commit['changed_files'], commit['pushed'], commit['commit_before']) == ('master', 3, True, None)
    assert SECRET not in json.dumps(summary.as_dict()) + '\n'.join(summary.render())


def test_subuser_inspect_is_not_a_commit():
    assert summary_of(('subuser_repo', {'changed': False, 'repository': {'name': 'r'}, 'sources': []})).as_dict()['subuser_commits'] == []


# ------------------------------------------------------------------ sections fed by roles
PACKAGED = {'path': 'casa-distro-0.1.0.tar.gz', 'version': '0.1.0'}


def test_casa_summary_sections_from_debug_and_set_fact():
    summary = summary_of(
        ('ansible.builtin.debug', {'casa_summary': {'workflows_mirrored': [{'name': 'build-images', 'commit': 'abc', 'token': SECRET}]}}),
        ('ansible.builtin.set_fact', {'ansible_facts': {'casa_summary': {'collection_packaged': PACKAGED}}}),
        ('ansible.builtin.debug', {'casa_summary': {'extra_things': ['plain value']}}))
    sections = summary.as_dict()['sections']
    assert sections['workflows_mirrored'] == [{'host': 'build1', 'name': 'build-images', 'commit': 'abc'}]
    assert sections['collection_packaged'] == [{'host': 'build1', 'path': 'casa-distro-0.1.0.tar.gz', 'version': '0.1.0'}]
    assert sections['extra_things'] == [{'host': 'build1', 'value': 'plain value'}]
    text = '\n'.join(summary.render())
    assert 'Build workflows mirrored' in text and 'Collection packaged' in text and 'Extra things' in text
    assert 'casa-distro-0.1.0.tar.gz' in text
    assert SECRET not in text + json.dumps(sections)


def test_casa_summary_that_is_not_a_mapping_is_ignored():
    assert summary_of(('ansible.builtin.debug', {'casa_summary': 'text'})).as_dict()['sections'] == {}


# ------------------------------------------------------------------ secrets, hidden and skipped results
@pytest.mark.parametrize('key', ['password', 'registry_password', 'Token', 'api_token', 'client_secret', 'credentials', 'api_key',
                                 'private_key', 'passwd', 'passphrase'])
def test_secret_keys_are_dropped_at_any_depth(key):
    cleaned = scrub({'a': [{'b': {key: SECRET, 'kept': 1}}], key: SECRET})
    assert cleaned == {'a': [{'b': {'kept': 1}}]}


def test_url_credentials_are_replaced():
    assert scrub('pushed to https://user:%s@host/x.git and ssh://git@host/y' % SECRET) == 'pushed to https://***@host/x.git and ssh://***@host/y'


def test_hidden_results_are_skipped():
    hidden = {'censored': "the output has been hidden due to the fact that 'no_log: true' was specified", '_ansible_no_log': True}
    summary = summary_of(('casa_docker_image', dict(BUILT_AND_PUSHED, _ansible_no_log=True)), ('casa_docker_image', hidden),
                         ('casa_docker_image', {'skipped': True, 'changed': False}))
    assert summary.as_dict()['docker_images'] == []


def test_failures_listed_unless_ignored():
    summary = summary_of(('ansible.builtin.command', {'failed': True, 'msg': 'non-zero return code'}, {'failed': True}),
                         ('ansible.builtin.command', {'failed': True, 'msg': 'ignored'}, {'failed': True, 'ignored': True}))
    summary.add_unreachable('build2', {'msg': 'Failed to connect to the host via ssh', 'unreachable': True}, 'Gathering Facts')
    assert summary.as_dict()['failures'] == [
        {'host': 'build1', 'task': 'a task', 'msg': 'non-zero return code'},
        {'host': 'build2', 'task': 'Gathering Facts', 'msg': 'Failed to connect to the host via ssh'}]


def test_other_collections_modules_are_not_read():
    assert summary_of(('community.docker.casa_docker_image', BUILT_AND_PUSHED)).as_dict()['docker_images'] == []


# ------------------------------------------------------------------ the table
def test_table_of_a_release():
    summary = summary_of(('casa_docker_image', BOOTSTRAP_REUSED), ('casa_docker_image', BUILT_AND_PUSHED), ('casa_singularity_image', CONVERTED),
                         ('casa_singularity_image', PUBLICATION_QUERY), ('casa_singularity_image', PUBLISHED),
                         ('casa_release_plan', PLAN_RESULT), ('subuser_repo', SUBUSER_PUBLISHED))
    lines = summary.render()
    text = '\n'.join(lines)
    for title in ('Docker images', 'SIF images', 'Release plan actions (/srv/release/release_plan.yaml): 1 done, 2 pending, 0 failed',
                  'Subuser repository commits', 'Build workflows mirrored', 'Collection packaged'):
        assert title in lines
    tiny = next(line for line in lines if '127.0.0.1:5000/casa/tiny' in line)
    assert tiny.split() == ['build1', '127.0.0.1:5000/casa/tiny', '1,', 'latest', 'sha256:b762a4a244ad', '189.7', 'MiB', 'built']
    assert 'reused' in next(line for line in lines if '127.0.0.1:5000/casa/debian' in line)
    sif = next(line for line in lines if '/srv/release/tiny.sif' in line)
    assert sif.split() == ['/srv/release/tiny.sif', '110.6', 'MiB', '34c70680e849', '1', 'http://downloads.example.org/sif/casa-summary-tiny-1.sif',
                           'converted,', 'published']
    assert '5d41402abc' in text
    assert 'Failures' not in text
    # Columns line up: every row of a block starts its cells at the same offsets.
    header = lines[lines.index('Docker images') + 1]
    assert tiny.index('sha256:') == header.index('digest')


def test_empty_sections_say_none():
    lines = ReleaseSummary().render()
    assert lines.count('  none') == 6
    assert 'Release plan actions' in lines


def test_human_sizes():
    assert [release_summary.human_size(size) for size in (0, 1023, 1024, 5 * 1024 ** 3, None, True)] == [
        '0 B', '1023 B', '1.0 KiB', '5.0 GiB', '-', '-']


# ------------------------------------------------------------------ the callback in a run
class FakeDisplay:
    verbosity = 0

    def __init__(self):
        self.lines = []
        self.warnings = []

    def banner(self, text):
        self.lines.append('== ' + text)

    def display(self, text, **kwargs):
        self.lines.append(text)

    def warning(self, text, **kwargs):
        self.warnings.append(text)

    def vvvv(self, text, **kwargs):
        pass


class FakeStats:
    processed = {'build1': 1}

    @staticmethod
    def summarize(host):
        return {'ok': 5, 'changed': 3, 'unreachable': 0, 'failures': 0, 'skipped': 0, 'rescued': 0, 'ignored': 0}


def runner_result(action, result, name='a task', check_mode=False):
    task = SimpleNamespace(action=action, resolved_action=action, check_mode=check_mode, get_name=lambda: name)
    return SimpleNamespace(_task=task, _host=SimpleNamespace(get_name=lambda: 'build1'), _result=copy.deepcopy(result))


def make_callback(options):
    display = FakeDisplay()
    callback = CallbackModule(display=display)
    callback.get_option = options.get
    return callback, display


def test_a_run_shows_the_table_and_writes_the_json(tmp_path):
    path = tmp_path / 'out' / 'summary.json'
    callback, display = make_callback({'summary_file': str(path), 'show_table': True})
    callback.v2_playbook_on_start(SimpleNamespace(_file_name='playbooks/release.yml'))
    callback.v2_runner_on_ok(runner_result('casa.distro.casa_docker_image', dict(BUILT_AND_PUSHED, registry_password=SECRET)))
    callback.v2_runner_on_ok(runner_result('casa.distro.casa_singularity_image', CONVERTED))
    callback.v2_runner_on_ok(runner_result('casa.distro.casa_singularity_image', PUBLISHED))
    callback.v2_runner_on_ok(runner_result('casa.distro.casa_release_plan', PLAN_RESULT, check_mode=True))
    callback.v2_runner_on_failed(runner_result('ansible.builtin.uri', {'msg': 'Status code was 404', 'url_password': SECRET}), ignore_errors=True)
    callback.v2_runner_on_unreachable(runner_result('ansible.builtin.ping', {'msg': 'host down'}, name='ping'))
    callback.v2_playbook_on_stats(FakeStats())
    document = json.loads(path.read_text())
    assert document['schema_version'] == 1
    assert document['generator'] == 'casa.distro.release_summary'
    assert document['playbooks'] == ['playbooks/release.yml']
    assert document['status'] == 'successful'
    assert document['hosts'] == {'build1': FakeStats.summarize('build1')}
    assert document['docker_images'][0]['digest'] == DIGEST
    assert document['sif_images'][0]['build_number'] == 1
    assert document['sif_images'][0]['sha256'] == SIF_SHA256
    assert document['release_plans'] == []
    assert document['failures'] == [{'host': 'build1', 'task': 'ping', 'msg': 'host down'}]
    assert SECRET not in path.read_text()
    assert display.lines[0] == '== RELEASE SUMMARY'
    assert 'Docker images' in display.lines
    assert display.lines[-1] == 'Release summary written to %s' % path
    assert not [name for name in os.listdir(path.parent) if name != 'summary.json']


def test_table_off_and_no_file(tmp_path):
    callback, display = make_callback({'summary_file': None, 'show_table': False})
    callback.v2_runner_on_ok(runner_result('casa.distro.casa_docker_image', BUILT_AND_PUSHED))
    callback.v2_playbook_on_stats(FakeStats())
    assert display.lines == []
    assert not os.listdir(tmp_path)


def test_a_file_that_cannot_be_written_is_a_warning(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    callback, display = make_callback({'summary_file': str(blocker / 'summary.json'), 'show_table': False})
    callback.v2_playbook_on_stats(FakeStats())
    assert len(display.warnings) == 1 and 'cannot write' in display.warnings[0] and str(blocker) in display.warnings[0]


def test_callback_is_an_aggregate_that_must_be_enabled():
    assert CallbackModule.CALLBACK_TYPE == 'aggregate'
    assert CallbackModule.CALLBACK_NEEDS_ENABLED is True
    assert CallbackModule.CALLBACK_NAME == 'casa.distro.release_summary'
