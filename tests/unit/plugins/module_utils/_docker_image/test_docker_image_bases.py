# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bases pinned by digest (base_digests): a parent built and pushed by another build host."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._docker_image.bases import check_base_digests
from ansible_collections.casa.distro.plugins.module_utils._docker_image.manager import DockerImageManager
from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.tests.unit.plugins.module_utils._docker_image.conftest import FakeDockerClient


class PinningClient(FakeDockerClient):
    """The fake daemon, also pulling ``repository@digest`` (what DockerClient.pull does for a digest)."""

    def pull(self, repository, tag, auth=None):
        if not tag.startswith('sha256:'):
            return super().pull(repository, tag, auth)
        entry = next(value for key, value in self.registry.items()
                     if key.split(':')[0] == repository and value[0] == tag)
        self.infos.setdefault(entry[1], {'Id': entry[1], 'Config': {'Labels': {}}, 'RepoDigests': []})
        self.infos[entry[1]]['RepoDigests'].append('%s@%s' % (repository, tag))
        self.pulls.append('%s@%s' % (repository, tag))
        return entry[1]


def _params(family, **extra):
    values = dict(recipes=str(family), name_prefix='reg/', image_names=['*'], state='present', source='build',
                  template_parameters={}, build_args={}, labels={}, context_hash_cache='', push=False, force=False)
    values.update(extra)
    return values


def _other_host_pushed_run(family):
    """reg/run built and pushed on another host: its digest, and that host's registry."""
    other = PinningClient()
    other.add_image('base/debian:12')
    result = DockerImageManager(_params(family, image_names=['reg/run*'], push=True), other).run()
    return result['images'][0]['pushed']['1'], other.registry


def test_a_parent_from_another_host_is_pulled_by_digest_then_kept(family):
    digest, registry = _other_host_pushed_run(family)
    client = PinningClient()
    client.registry = dict(registry)
    pins = {'reg/run:1': digest}
    result = DockerImageManager(_params(family, image_names=['reg/dev*'], base_digests=pins), client).run()
    assert client.pulls == ['reg/run@' + digest]
    assert [build['tag'] for build in client.builds] == ['reg/dev:1']
    assert client.local['reg/run:1'] == registry['reg/run:1'][1]
    base = result['bases'][0]
    assert base['reference'] == 'reg/run:1' and base['digest'] == digest and base['pulled']
    assert 'Pulled base image reg/run@%s as reg/run:1' % digest in result['actions'][0]
    built = result['images'][0]
    assert built['build_started'] <= built['build_ended']
    # The daemon holds that manifest now: nothing is pulled or built again.
    again = DockerImageManager(_params(family, image_names=['reg/dev*'], base_digests=pins), client).run()
    assert not again['changed'] and client.pulls == ['reg/run@' + digest]
    assert again['bases'][0]['pulled'] is False and again['images'][0]['build_started'] is None


def test_check_mode_predicts_the_pull_by_digest(family):
    digest, registry = _other_host_pushed_run(family)
    client = PinningClient()
    client.registry = dict(registry)
    manager = DockerImageManager(_params(family, image_names=['reg/dev*'], base_digests={'reg/run:1': digest}),
                                 client, check_mode=True)
    result = manager.run()
    assert result['changed'] and client.pulls == [] and client.builds == []
    assert result['bases'][0]['action'] == 'Would pull base image reg/run@%s' % digest


@pytest.mark.parametrize('digests, message', [
    ('x', 'expected a mapping'),
    ({'reg/run': 'sha256:' + 'a' * 64}, "key 'reg/run' is not an image reference with a tag"),
    ({'reg/run@sha256:' + 'a' * 64: 'sha256:' + 'a' * 64}, 'is not an image reference with a tag'),
    ({'reg/run:1': 'sha256:ABC'}, "reg/run:1: 'sha256:ABC' is not a manifest digest"),
    ({'reg/run:1': 5}, 'is not a manifest digest'),
])
def test_base_digests_are_checked(digests, message):
    with pytest.raises(InputError, match=message):
        check_base_digests(digests)
