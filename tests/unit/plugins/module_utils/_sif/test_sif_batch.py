# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.batch and of the runner with option images: each entry's parameters over
the shared ones, the checks a task of one image gets, and the one result (or failure) of the task."""

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError, InputError
from ansible_collections.casa.distro.plugins.module_utils._sif.batch import batch_result, image_params
from ansible_collections.casa.distro.plugins.module_utils._sif.runner import SingularityImageRunner

SHA_A = 'a' * 64
SHA_B = 'b' * 64


def present(**extra):
    params = {'state': 'present', 'images': None, 'image': None, 'archive': None, 'dest': None, 'pull': False,
              'force': False, 'pending': False, 'metadata': None, 'compression': 'gzip', 'backend': 'auto'}
    params.update(extra)
    return params


def published(publish_dir, **extra):
    params = {'state': 'published', 'images': None, 'publish_dir': str(publish_dir), 'metadata': None, 'name': None,
              'src': None, 'source': None, 'pending': False, 'base_url': 'http://example.org/dl/',
              'verify_src': True, 'verify_published': False, 'keep_builds': None, 'v2_files': False,
              'log_path': None}
    params.update(extra)
    return params


def test_one_image_is_the_task_itself():
    params = present(image='casa/run:5.3', dest='/srv/run.sif')
    assert image_params(params) == [(None, params)]


def test_entries_override_the_shared_options_and_unset_values_keep_them():
    params = present(compression='zstd', pull=True, images=[
        {'image': 'casa/run:5.3', 'dest': '/srv/run.sif', 'pull': None},
        {'image': 'casa/dev:5.3', 'dest': '/srv/dev.sif', 'pull': False, 'metadata': {'type': 'dev'}}])
    images = image_params(params)
    assert [where for where, dummy in images] == ['images[0]', 'images[1]']
    first, second = [entry for dummy, entry in images]
    assert (first['image'], first['dest'], first['pull'], first['compression']) == ('casa/run:5.3', '/srv/run.sif', True, 'zstd')
    assert (second['pull'], second['metadata'], second['compression']) == (False, {'type': 'dev'}, 'zstd')
    assert first['images'] is None and second['images'] is None
    # The task's own parameters are not changed by the entries.
    assert params['image'] is None and params['pull'] is True


@pytest.mark.parametrize('entry, message', [
    ({'image': 'casa/run:5.3'}, 'images[1]: dest is required with state=present'),
    ({'dest': '/srv/x.sif'}, 'images[1]: image or archive is required with state=present'),
    ({'archive': '/srv/run.tar', 'pull': True, 'dest': '/srv/x.sif'}, 'images[1]: archive and pull are mutually exclusive'),
    ({'image': 'casa/dev:5.3', 'dest': '/srv/a/../run.sif'}, 'images[1]: same dest /srv/run.sif as images[0]'),
])
def test_an_entry_gets_the_checks_of_a_task_of_one_image(entry, message):
    params = present(images=[{'image': 'casa/run:5.3', 'dest': '/srv/run.sif'}, entry])
    with pytest.raises(InputError) as caught:
        image_params(params)
    assert caught.value.msg.startswith(message)
    assert caught.value.details['field'] == 'images[1]'


def test_two_entries_may_not_publish_the_same_name(tmp_path):
    params = published(tmp_path, images=[{'name': 'casa-run-5.3', 'pending': True},
                                         {'metadata': {'name': 'casa-run-5.3', 'sha256': SHA_A}}])
    with pytest.raises(InputError, match=r'images\[1\]: same name casa-run-5.3 as images\[0\]'):
        image_params(params)


def test_src_and_source_of_an_entry_are_exclusive(tmp_path):
    params = published(tmp_path, images=[{'src': '/srv/in.sif', 'source': 'oras://r/x@sha256:' + SHA_A}])
    with pytest.raises(InputError, match=r'images\[0\]: src and source are mutually exclusive'):
        image_params(params)


def test_images_with_state_pushed_is_refused():
    with pytest.raises(InputError, match='state=pushed handles one SIF per task'):
        image_params({'state': 'pushed', 'images': []})


def test_the_batch_result_keeps_each_result_in_order():
    results = [{'changed': False, 'actions': [], 'diff': {'before': 1, 'after': 1}},
               {'changed': True, 'actions': ['Would convert b', 'then c'], 'diff': {'before': 2, 'after': 3}},
               {'changed': False, 'actions': ['looked at d']}]
    result = batch_result(results)
    assert result['changed'] is True
    assert result['actions'] == ['Would convert b', 'then c', 'looked at d']
    assert result['diff'] == [{'before': 1, 'after': 1}, {'before': 2, 'after': 3}]
    assert result['results'] is results and all('diff' not in entry for entry in results)
    assert batch_result([]) == {'changed': False, 'results': [], 'actions': []}


class FakeModule:
    """What the runner reads of an AnsibleModule."""

    def __init__(self, params, check_mode=True):
        self.params = params
        self.check_mode = check_mode
        self._diff = False
        self._verbosity = 0


def test_the_runner_asks_about_every_entry_in_one_task(tmp_path):
    publish_dir = tmp_path / 'download'
    module = FakeModule(published(publish_dir, images=[
        {'metadata': {'name': 'casa-run-5.3', 'sha256': SHA_A}},
        {'name': 'casa-dev-5.3', 'pending': True}]))
    result = SingularityImageRunner(module).run()
    run, dev = result['results']
    assert (run['name'], run['upload_needed'], run['published']) == ('casa-run-5.3', True, False)
    assert run['upload_path'] == os.path.join(str(publish_dir), '.incoming', 'casa-run-5.3-%s.sif' % SHA_A[:16])
    assert (dev['name'], dev['published_file']) == ('casa-dev-5.3', 'casa-dev-5.3-1.sif')
    assert result['changed'] is True
    assert 'Would publish casa-dev-5.3 as casa-dev-5.3-1.sif once converted' in result['actions']
    assert not publish_dir.exists()  # check mode


def test_a_failing_entry_is_named_and_the_results_before_it_are_kept(tmp_path):
    module = FakeModule(published(tmp_path / 'download', images=[
        {'metadata': {'name': 'casa-run-5.3', 'sha256': SHA_A}},
        {'metadata': {'name': 'casa-dev-5.3', 'sha256': 'not-a-checksum'}}]))
    runner = SingularityImageRunner(module)
    with pytest.raises(CasaError) as caught:
        runner.run()
    assert caught.value.msg.startswith('images[1] (casa-dev-5.3): Invalid sha256')
    assert caught.value.details.get('field') == 'sha256'
    partial = runner.partial_results()
    assert [entry.get('name') for entry in partial['results']] == ['casa-run-5.3', None]
    assert partial['results'][0]['upload_needed'] is True


def test_one_image_fails_as_before_without_an_entry_name(tmp_path):
    module = FakeModule(published(tmp_path / 'download', metadata={'name': 'casa-run-5.3', 'sha256': 'bad'}))
    runner = SingularityImageRunner(module)
    with pytest.raises(CasaError) as caught:
        runner.run()
    assert caught.value.msg.startswith('Invalid sha256')
    assert 'results' not in runner.partial_results()


def test_an_unexpected_error_of_an_entry_stays_a_bug_report_naming_it(tmp_path, monkeypatch):
    from ansible_collections.casa.distro.plugins.module_utils._sif import publisher

    def broken(self):
        raise KeyError('surprise')

    monkeypatch.setattr(publisher.Publisher, 'run', broken)
    module = FakeModule(published(tmp_path, images=[{'name': 'casa-run-5.3', 'pending': True}]))
    with pytest.raises(CasaError) as caught:
        SingularityImageRunner(module).run()
    assert caught.value.msg.startswith('images[0] (casa-run-5.3): Unexpected KeyError in casa.distro')
    assert 'Traceback' in caught.value.details['exception']
