# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _publish: build numbers (with races between threads and processes), the
publication flow, the index and the latest links, on a temporary directory."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _publish


def sif_with_side(directory, name, content):
    path = os.path.join(str(directory), name + '.sif')
    with open(path, 'wb') as handle:
        handle.write(content)
    side = {'name': name, 'type': 'run', 'image_id': 'uuid-' + hashlib.md5(content).hexdigest()[:8],
            'size': len(content), 'md5': hashlib.md5(content).hexdigest(),
            'sha256': hashlib.sha256(content).hexdigest(), 'build_number': None}
    with open(path + '.json', 'w') as handle:
        json.dump(side, handle)
    return path, side


def publish(publish_dir, side, src=None, check_mode=False, **extra):
    params = {'publish_dir': str(publish_dir), 'metadata': dict(side or {}), 'src': src, 'name': None,
              'base_url': 'http://example.org/dl/', 'verify_src': True, 'verify_published': False}
    params.update(extra)
    return _publish.Publisher(params, check_mode=check_mode).run()


def upload(src, result):
    """What ansible.builtin.copy does in the playbook."""
    with open(src, 'rb') as handle, open(result['upload_path'], 'wb') as out:
        out.write(handle.read())
    return result['upload_path']


# ---------------------------------------------------------------- build numbers
def test_build_numbers_are_sequential(tmp_path):
    assert [_publish.reserve_build_number(str(tmp_path), 'casa-run-5.3') for dummy in range(3)] == [1, 2, 3]
    assert _publish.reserve_build_number(str(tmp_path), 'casa-dev-5.3') == 1
    # Published files count too, even without a reservation.
    (tmp_path / 'casa-run-5.3-9.sif.json').write_text('{}')
    assert _publish.reserve_build_number(str(tmp_path), 'casa-run-5.3') == 10
    assert _publish.build_number_of('casa-run-5.3', 'casa-run-5.3-12.sif') == 12
    assert _publish.build_number_of('casa-run-5.3', 'casa-run-5.3-x.sif') is None
    assert _publish.build_number_of('casa-run', 'casa-run-5.3-1.sif') is None


def test_build_numbers_race_between_threads(tmp_path):
    results = []
    barrier = threading.Barrier(16)

    def worker():
        barrier.wait()
        results.append(_publish.reserve_build_number(str(tmp_path), 'img'))
    threads = [threading.Thread(target=worker) for dummy in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(1, 17))


def _reserve_in_process(args):
    directory, count = args
    return [_publish.reserve_build_number(directory, 'img') for dummy in range(count)]


def test_build_numbers_race_between_processes(tmp_path):
    context = multiprocessing.get_context('fork')
    with context.Pool(4) as pool:
        numbers = pool.map(_reserve_in_process, [(str(tmp_path), 10)] * 4)
    flat = sorted(n for chunk in numbers for n in chunk)
    assert flat == list(range(1, 41))


def _publish_in_process(args):
    directory, publish_dir, index = args
    src, side = sif_with_side(directory, 'img-src-%d' % index, b'content %d' % index * 1000)
    side['name'] = 'img'
    query = publish(publish_dir, side)
    result = publish(publish_dir, side, src=upload(src, query))
    return result['build_number']


def test_concurrent_publications_get_distinct_numbers(tmp_path):
    publish_dir = tmp_path / 'pub'
    publish_dir.mkdir()
    context = multiprocessing.get_context('fork')
    with context.Pool(4) as pool:
        numbers = pool.map(_publish_in_process, [(str(tmp_path), str(publish_dir), i) for i in range(8)])
    assert sorted(numbers) == list(range(1, 9))
    index = json.loads((publish_dir / 'index.json').read_text())
    assert [b['build_number'] for b in index['images']['img']['builds']] == list(range(1, 9))
    assert index['images']['img']['latest'] == 'img-8.sif'
    assert os.readlink(str(publish_dir / 'img-latest.sif')) == 'img-8.sif'


# ---------------------------------------------------------------- publication flow
def test_publication_flow(tmp_path):
    src, side = sif_with_side(tmp_path, 'casa-run-5.3', b'first image' * 100)
    publish_dir = tmp_path / 'www'
    query = publish(publish_dir, side)
    assert query['upload_needed'] and not query['up_to_date']
    assert query['upload_path'].startswith(str(publish_dir))
    assert os.path.isdir(os.path.dirname(query['upload_path']))

    check = publish(publish_dir, side, src=upload(src, query), check_mode=True)
    assert check['changed'] and check['build_number'] == 1 and not check['published']
    assert not (publish_dir / 'casa-run-5.3-1.sif').exists()

    done = publish(publish_dir, side, src=query['upload_path'])
    assert done['changed'] and done['published'] and done['build_number'] == 1
    assert done['url'] == 'http://example.org/dl/casa-run-5.3-1.sif'
    assert done['diff'] == {'before': {'latest': None}, 'after': {'latest': 'casa-run-5.3-1.sif'}}
    assert not os.path.exists(query['upload_path'])  # moved into place
    published = json.loads((publish_dir / 'casa-run-5.3-1.sif.json').read_text())
    assert published['build_number'] == 1 and published['sha256'] == side['sha256']
    assert (publish_dir / 'casa-run-5.3-1.sif').read_bytes() == b'first image' * 100

    again = publish(publish_dir, side)
    assert not again['changed'] and again['up_to_date'] and not again['upload_needed']
    assert again['build_number'] == 1

    src2, side2 = sif_with_side(tmp_path, 'casa-run-5.3', b'second image' * 100)
    query2 = publish(publish_dir, side2)
    second = publish(publish_dir, side2, src=upload(src2, query2))
    assert second['build_number'] == 2 and second['latest'] == 'casa-run-5.3-2.sif'
    index = json.loads((publish_dir / 'index.json').read_text())
    image = index['images']['casa-run-5.3']
    assert [b['file'] for b in image['builds']] == ['casa-run-5.3-1.sif', 'casa-run-5.3-2.sif']
    assert image['builds'][1]['size'] == len(b'second image' * 100)
    assert image['builds'][1]['sha256'] == side2['sha256'] and image['builds'][1]['md5'] == side2['md5']
    assert image['latest'] == 'casa-run-5.3-2.sif'
    assert os.readlink(str(publish_dir / 'casa-run-5.3-latest.sif.json')) == 'casa-run-5.3-2.sif.json'
    # The old checksum is still published: no new build.
    assert publish(publish_dir, side)['build_number'] == 1


def test_src_without_metadata_uses_its_side_file(tmp_path):
    src, dummy_side = sif_with_side(tmp_path, 'x-1.0', b'abc' * 10)
    result = publish(tmp_path / 'www', None, src=src, metadata=None)
    assert result['published'] and result['published_file'] == 'x-1.0-1.sif'


def test_corrupt_upload_is_refused(tmp_path):
    src, side = sif_with_side(tmp_path, 'img', b'good' * 50)
    publish_dir = tmp_path / 'www'
    query = publish(publish_dir, side)
    with open(query['upload_path'], 'wb') as handle:
        handle.write(b'bad!' * 50)  # same size, other content
    with pytest.raises(_publish.PublishError, match='corrupt or wrong upload'):
        publish(publish_dir, side, src=query['upload_path'])
    with open(query['upload_path'], 'wb') as handle:
        handle.write(b'short')
    with pytest.raises(_publish.PublishError, match='incomplete upload'):
        publish(publish_dir, side, src=query['upload_path'])
    assert not [name for name in os.listdir(str(publish_dir)) if name.endswith('.sif')]


def test_published_file_with_wrong_size_is_not_up_to_date(tmp_path):
    src, side = sif_with_side(tmp_path, 'img', b'data' * 100)
    publish_dir = tmp_path / 'www'
    publish(publish_dir, side, src=upload(src, publish(publish_dir, side)))
    with open(str(publish_dir / 'img-1.sif'), 'ab') as handle:
        handle.write(b'garbage')
    assert publish(publish_dir, side)['upload_needed']


def test_verify_published_recomputes_the_checksum(tmp_path):
    src, side = sif_with_side(tmp_path, 'img', b'data' * 100)
    publish_dir = tmp_path / 'www'
    publish(publish_dir, side, src=upload(src, publish(publish_dir, side)))
    with open(str(publish_dir / 'img-1.sif'), 'r+b') as handle:
        handle.write(b'DATA')  # same size, other content
    assert publish(publish_dir, side)['up_to_date']
    assert publish(publish_dir, side, verify_published=True)['upload_needed']


@pytest.mark.parametrize('name', ['', 'a/b', '../x', 'x.sif', '-x'])
def test_invalid_names(name):
    with pytest.raises(_publish.PublishError, match='Invalid image name'):
        _publish.validate_name(name)


def test_missing_name_and_checksum(tmp_path):
    with pytest.raises(_publish.PublishError, match='image name is unknown'):
        publish(tmp_path, {'sha256': 'a' * 64})
    with pytest.raises(_publish.PublishError, match='no sha256'):
        publish(tmp_path, {'name': 'x'})


def test_index_is_stable(tmp_path):
    src, side = sif_with_side(tmp_path, 'img', b'x' * 10)
    publish_dir = tmp_path / 'www'
    publish(publish_dir, side, src=upload(src, publish(publish_dir, side)))
    changed, index = _publish.update_index(str(publish_dir))
    assert not changed  # the base URL recorded in the index is kept
    assert index['base_url'] == 'http://example.org/dl/'
    assert index['format'] == _publish.INDEX_FORMAT
    assert index['images']['img']['builds'][0]['metadata'] == 'img-1.sif.json'


def test_query_on_an_empty_directory_changes_nothing(tmp_path):
    dummy_src, side = sif_with_side(tmp_path, 'img', b'x' * 10)
    publish_dir = tmp_path / 'www'
    publish_dir.mkdir()
    result = publish(publish_dir, side)
    assert not result['changed'] and result['upload_needed']
    assert not (publish_dir / 'index.json').exists()
