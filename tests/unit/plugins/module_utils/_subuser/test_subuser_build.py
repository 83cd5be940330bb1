# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._live_log import LiveLog
from ansible_collections.casa.distro.plugins.module_utils._subuser.build import LABEL_COMMIT, LABEL_PARENT, LABEL_SOURCE, SubuserBuilder
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.graph import RepositorySet, lineages
from ansible_collections.casa.distro.plugins.module_utils._subuser.identifiers import unique_slug
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_local


class FakeClient:
    """Records builds; images are keyed by tag, IDs derived from the build count."""

    docker_host = 'fake'

    def __init__(self):
        self.images = {}
        self.builds = []

    def inspect_image(self, reference):
        return self.images.get(reference)

    def build(self, context_dir, tag, dockerfile='Dockerfile', labels=None, network_mode=None, nocache=False,
              on_line=None):
        with open(os.path.join(context_dir, dockerfile)) as handle:
            text = handle.read()
        if on_line:
            on_line('Step 1/1 : %s' % text.splitlines()[-1])
        files = sorted(os.listdir(context_dir))
        image_id = 'sha256:%064d' % (len(self.builds) + 1)
        self.builds.append({'tag': tag, 'dockerfile': text, 'files': files, 'nocache': nocache})
        self.images[tag] = {'Id': image_id, 'Config': {'Labels': dict(labels or {})}}
        return image_id, []


def build_all(root, client, check_mode=False, names=None, **options):
    repository_set = RepositorySet()
    repository = repository_set.add(open_local(str(root)))
    selected = [repository.sources[n] for n in (names or sorted(repository.sources))]
    order, lineage = lineages(repository_set, selected)
    builder = SubuserBuilder(client, check_mode=check_mode, **options)
    builder.build(order, lineage)
    return builder


def test_builder_rebuilds_only_on_change(tmp_path, write, source):
    source(tmp_path, 'base', text='FROM debian\n')
    source(tmp_path, 'mid', 'SubuserImagefile', '# note\nFROM-SUBUSER-IMAGE base\r\nCOPY f /f\r\n')
    write(tmp_path, 'mid/image/f', 'one')
    source(tmp_path, 'leaf', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE mid\nRUN true\n')
    source(tmp_path, 'alone')
    client = FakeClient()
    first = build_all(tmp_path, client, names=['leaf'], prefix='p/', tag='t')
    assert [r.source.name for r in first.results] == ['base', 'mid', 'leaf']
    assert [r.build_reason for r in first.results] == ['image not in the daemon'] * 3
    assert client.builds[1]['dockerfile'] == '# note\nFROM %s\nCOPY f /f\n' % first.results[0].image_id
    assert client.builds[1]['files'] == ['Dockerfile', 'SubuserImagefile', 'f']
    assert first.results[2].reference == 'p/%s/leaf:t' % unique_slug(os.path.basename(str(tmp_path)))
    labels = client.images[first.results[2].reference]['Config']['Labels']
    assert labels[LABEL_SOURCE] == 'leaf' and labels[LABEL_PARENT] == first.results[1].image_id
    assert labels[LABEL_COMMIT] == ''   # a directory has no commit

    second = build_all(tmp_path, client, names=['leaf'], prefix='p/', tag='t')
    assert not second.changed and len(client.builds) == 3
    assert [r.build_reason for r in second.results] == [None, None, None]
    assert second.results[0].as_dict()['status'].startswith('up to date')

    write(tmp_path, 'mid/image/f', 'two')
    predicted = build_all(tmp_path, client, check_mode=True, names=['leaf'], prefix='p/', tag='t')
    assert len(client.builds) == 3 and predicted.changed
    assert predicted.results[1].build_reason.startswith('build context changed')
    assert predicted.results[2].build_reason.startswith('parent mid@')
    assert 'would be rebuilt' in predicted.results[2].build_reason
    assert predicted.results[2].image_id == first.results[2].image_id
    assert predicted.results[2].as_dict()['status'] == 'would be built'

    third = build_all(tmp_path, client, names=['leaf'], prefix='p/', tag='t', nocache=True)
    assert [r.built for r in third.results] == [False, True, True]
    assert 'was rebuilt' in third.results[2].build_reason
    assert client.builds[-1]['nocache'] is True


def test_builder_honours_dockerignore(tmp_path, write, source):
    source(tmp_path, 'a', text='FROM debian\n')
    write(tmp_path, 'a/image/.dockerignore', '*.log\n')
    write(tmp_path, 'a/image/x.log', '1')
    client = FakeClient()
    build_all(tmp_path, client)
    write(tmp_path, 'a/image/x.log', '2')
    again = build_all(tmp_path, client)
    assert not again.changed and len(client.builds) == 1
    assert 'x.log' not in client.builds[0]['files']


def test_builder_refuses_invalid_sources(tmp_path, source):
    source(tmp_path, 'bad', permissions={'x11': True, 'gui': True})
    source(tmp_path, 'child', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE bad\n')
    with pytest.raises(SubuserError, match='Cannot build bad@.*mutually exclusive'):
        build_all(tmp_path, FakeClient(), names=['child'])


def test_builder_writes_each_build_to_the_live_log(tmp_path, write, source):
    source(tmp_path / 'repo', 'base', text='FROM debian\n')
    source(tmp_path / 'repo', 'leaf', 'SubuserImagefile', 'FROM-SUBUSER-IMAGE base\nRUN true\n')
    path = str(tmp_path / 'logs' / 'subuser.log')
    with LiveLog(path, title='test') as log:
        build_all(tmp_path / 'repo', FakeClient(), names=['leaf'], prefix='p/', tag='t', log=log)
    with open(path) as handle:
        text = handle.read()
    assert text.index('--- building base@') < text.index('Step 1/1 : FROM debian')
    assert text.index('--- building leaf@') < text.index('Step 1/1 : RUN true')
    assert log.lines()[-1] == 'Step 1/1 : RUN true'
