# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publisher: the publication flow on a temporary directory, concurrent
publications, refused uploads and metadata that would lead out of the publish directory."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import publish_index, publisher, sif_format
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import PublishError


def sif_payload(content):
    """A valid SIF (one unused descriptor) followed by ``content``: different content, different
    checksum."""
    descriptor_size = sif_format._SIF_DESCRIPTOR.size
    header = sif_format._SIF_HEADER.pack(b'#!'.ljust(32, b'\0'), b'SIF_MAGIC\0', b'01\0', b'02\0', bytes(16), 0, 0,
                                         1, 1, sif_format._SIF_HEADER.size, 0,
                                         sif_format._SIF_HEADER.size + descriptor_size, len(content))
    return header + bytes(descriptor_size) + content


def sif_with_side(directory, name, content):
    content = sif_payload(content)
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
    return publisher.Publisher(params, check_mode=check_mode).run()


def upload(src, result):
    """What ansible.builtin.copy does in the playbook."""
    with open(src, 'rb') as handle, open(result['upload_path'], 'wb') as out:
        out.write(handle.read())
    return result['upload_path']


def all_files(directory):
    return sorted(os.path.relpath(os.path.join(root, name), str(directory))
                  for root, dirs, files in os.walk(str(directory)) for name in files + dirs)


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
    assert (publish_dir / 'casa-run-5.3-1.sif').read_bytes() == sif_payload(b'first image' * 100)

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
    assert image['builds'][1]['size'] == len(sif_payload(b'second image' * 100))
    assert image['builds'][1]['sha256'] == side2['sha256'] and image['builds'][1]['md5'] == side2['md5']
    assert image['latest'] == 'casa-run-5.3-2.sif'
    assert os.readlink(str(publish_dir / 'casa-run-5.3-latest.sif.json')) == 'casa-run-5.3-2.sif.json'
    # The old checksum is still published: no new build.
    assert publish(publish_dir, side)['build_number'] == 1


def test_src_without_metadata_uses_its_side_file(tmp_path):
    src, dummy_side = sif_with_side(tmp_path, 'x-1.0', b'abc' * 10)
    result = publish(tmp_path / 'www', None, src=src, metadata=None)
    assert result['published'] and result['published_file'] == 'x-1.0-1.sif'


def test_src_with_a_malformed_side_file_is_reported(tmp_path):
    src, dummy_side = sif_with_side(tmp_path, 'x-1.0', b'abc' * 10)
    with open(src + '.json', 'w') as handle:
        handle.write('{"name": ')
    with pytest.raises(PublishError, match=r'metadata is not given and .*x-1.0.sif.json \(the side file\) is '
                                           r'missing or unreadable: .*invalid JSON'):
        publish(tmp_path / 'www', None, src=src, metadata=None)
    with open(src + '.json', 'w') as handle:
        handle.write('["x"]')
    with pytest.raises(PublishError, match='missing or unreadable: not a JSON object'):
        publish(tmp_path / 'www', None, src=src, metadata=None)
    assert not (tmp_path / 'www').exists()


def test_corrupt_upload_is_refused(tmp_path):
    src, side = sif_with_side(tmp_path, 'img', b'good' * 50)
    publish_dir = tmp_path / 'www'
    query = publish(publish_dir, side)
    with open(query['upload_path'], 'wb') as handle:
        handle.write(sif_payload(b'bad!' * 50))  # same size, other content
    with pytest.raises(PublishError, match='corrupt or wrong upload'):
        publish(publish_dir, side, src=query['upload_path'])
    with open(query['upload_path'], 'wb') as handle:
        handle.write(b'short')
    with pytest.raises(PublishError, match='incomplete upload'):
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
        handle.seek(-4, os.SEEK_END)
        handle.write(b'DATA')  # same size, other content
    assert publish(publish_dir, side)['up_to_date']
    assert publish(publish_dir, side, verify_published=True)['upload_needed']


def test_missing_name_and_checksum(tmp_path):
    with pytest.raises(PublishError, match='image name is unknown'):
        publish(tmp_path, {'sha256': 'a' * 64})
    with pytest.raises(PublishError, match='no sha256'):
        publish(tmp_path, {'name': 'x'})


def test_index_is_stable(tmp_path):
    src, side = sif_with_side(tmp_path, 'img', b'x' * 10)
    publish_dir = tmp_path / 'www'
    publish(publish_dir, side, src=upload(src, publish(publish_dir, side)))
    changed, index = publish_index.update_index(str(publish_dir))
    assert not changed  # the base URL recorded in the index is kept
    assert index['base_url'] == 'http://example.org/dl/'
    assert index['format'] == publish_index.INDEX_FORMAT
    assert index['images']['img']['builds'][0]['metadata'] == 'img-1.sif.json'


def test_query_on_an_empty_directory_changes_nothing(tmp_path):
    dummy_src, side = sif_with_side(tmp_path, 'img', b'x' * 10)
    publish_dir = tmp_path / 'www'
    publish_dir.mkdir()
    result = publish(publish_dir, side)
    assert not result['changed'] and result['upload_needed']
    assert not (publish_dir / 'index.json').exists()


# ---------------------------------------------------------------- issue 9: nothing outside publish_dir
@pytest.mark.parametrize('sha256', ['/../../../../x', '../' * 8 + 'a' * 40, 'A' * 64, 'a' * 63, 'g' * 64, 64])
def test_a_sha256_that_is_not_a_checksum_is_refused(tmp_path, sha256):
    src, side = sif_with_side(tmp_path, 'img', b'payload')
    publish_dir = tmp_path / 'top' / 'www'
    publish_dir.parent.mkdir()
    before = all_files(tmp_path)
    side['sha256'] = sha256
    with pytest.raises(PublishError, match='Invalid sha256'):
        publish(publish_dir, side)
    with pytest.raises(PublishError, match='Invalid sha256'):
        publish(publish_dir, side, src=src)
    # Nothing written anywhere: not the upload directory, not the publish directory itself.
    assert all_files(tmp_path) == before


def test_a_src_that_is_not_a_sif_is_refused(tmp_path):
    publish_dir = tmp_path / 'www'
    garbage = tmp_path / 'garbage.sif'
    garbage.write_bytes(b'#!/bin/sh\necho not a SIF\n' * 20)
    # Without a checksum, the checksum would be computed from src: it must be a SIF first.
    with pytest.raises(PublishError, match='garbage.sif cannot be published: .*not a SIF file'):
        publish(publish_dir, {'name': 'img'}, src=str(garbage))
    assert not publish_dir.exists() and garbage.exists()
    # With a checksum that matches, it is refused all the same.
    side = {'name': 'img', 'sha256': hashlib.sha256(garbage.read_bytes()).hexdigest(),
            'size': garbage.stat().st_size}
    query = publish(publish_dir, side)
    with pytest.raises(PublishError, match='not a SIF file'):
        publish(publish_dir, side, src=upload(str(garbage), query))
    # A truncated SIF is no SIF either.
    truncated = tmp_path / 'truncated.sif'
    truncated.write_bytes(sif_payload(b'x')[:200])
    with pytest.raises(PublishError, match='damaged SIF file'):
        publish(publish_dir, {'name': 'img'}, src=str(truncated))
    assert not [name for name in os.listdir(str(publish_dir)) if name.endswith('.sif') or name.endswith('.json')]


def test_a_failed_json_write_leaves_no_published_image(tmp_path, monkeypatch):
    src, side = sif_with_side(tmp_path, 'img', b'payload')
    publish_dir = tmp_path / 'www'
    query = publish(publish_dir, side)
    uploaded = upload(src, query)

    def full_disk(path, data, mode=None):
        raise OSError(28, 'No space left on device', path)
    monkeypatch.setattr(publisher, 'write_json', full_disk)
    runner = publisher.Publisher({'publish_dir': str(publish_dir), 'metadata': side, 'src': uploaded,
                                  'verify_src': True})
    with pytest.raises(PublishError, match='no space left on the device'):
        runner.run()
    assert os.path.isfile(uploaded)  # taken back to where it was
    assert not [name for name in os.listdir(str(publish_dir)) if name.startswith('img-')]
    assert runner.partial_results()['changed'] is False


# ---------------------------------------------------------------- faults, races, retention, lineage
def _killed_between_the_renames(args):
    """A publication killed (os._exit, no clean-up) after the image is in place, before its JSON."""
    tmp_path, publish_dir = args
    src, side = sif_with_side(tmp_path, 'img', b'killed' * 100)
    query = publish(publish_dir, side)
    uploaded = upload(src, query)
    real_rename = os.rename

    def rename(source, target):
        if target.endswith('.sif.json'):
            os._exit(137)
        real_rename(source, target)
    os.rename = rename
    publish(publish_dir, side, src=uploaded)


def test_a_publication_killed_half_way_is_completed_by_the_next_run(tmp_path):
    publish_dir = tmp_path / 'www'
    process = multiprocessing.get_context('fork').Process(target=_killed_between_the_renames,
                                                          args=((str(tmp_path), str(publish_dir)),))
    process.start()
    process.join()
    assert process.exitcode == 137
    assert (publish_dir / 'img-1.sif').exists() and not (publish_dir / 'img-1.sif.json').exists()
    assert publish_index.published_builds(str(publish_dir)) == []  # invisible to clients
    dummy_src, side = sif_with_side(tmp_path, 'img', b'killed' * 100)
    again = publish(publish_dir, side)
    assert again['up_to_date'] and again['build_number'] == 1 and again['changed']
    assert 'Completed the interrupted publication of img-1.sif' in again['actions']
    assert 'img-1.sif' in (publish_dir / 'index.html').read_text()
    assert not [name for name in all_files(publish_dir) if name.endswith('.tmp') or name.endswith('.pending')]


def _publish_same_content(args):
    directory, publish_dir, index = args
    src, side = sif_with_side(directory, 'same-%d' % index, b'same content' * 1000)
    side['name'] = 'img'
    return publish(publish_dir, side, src=src)['published']


def test_concurrent_publications_of_the_same_file_publish_it_once(tmp_path):
    publish_dir = tmp_path / 'pub'
    publish_dir.mkdir()
    with multiprocessing.get_context('fork').Pool(4) as pool:
        published = pool.map(_publish_same_content, [(str(tmp_path), str(publish_dir), i) for i in range(6)])
    assert published.count(True) == 1
    assert [b['build_number'] for b in publish_index.published_builds(str(publish_dir))] == [1]


def test_keep_builds_removes_old_builds_never_the_latest(tmp_path):
    publish_dir = tmp_path / 'www'
    for number in range(1, 5):
        src, side = sif_with_side(tmp_path, 'img', b'build %d' % number * 50)
        publish(publish_dir, side, src=src)
    check = publish(publish_dir, side, keep_builds=2, check_mode=True)
    assert check['removed_builds'] == ['img-2.sif', 'img-1.sif'] and check['changed']
    assert (publish_dir / 'img-1.sif').exists()
    done = publish(publish_dir, side, keep_builds=2)
    assert done['removed_builds'] == ['img-2.sif', 'img-1.sif'] and done['builds'][0]['file'] == 'img-3.sif'
    assert not (publish_dir / 'img-1.sif').exists() and not (publish_dir / 'img-2.sif.json').exists()
    index = json.loads((publish_dir / 'index.json').read_text())
    assert [b['build_number'] for b in index['images']['img']['builds']] == [3, 4]
    assert 'img-1.sif' not in (publish_dir / 'index.html').read_text()
    src, side = sif_with_side(tmp_path, 'img', b'build 5' * 50)
    assert publish(publish_dir, side, src=src, keep_builds=1)['build_number'] == 5  # numbers not reused
    assert sorted(name for name in os.listdir(str(publish_dir)) if name.startswith('img-')) == [
        'img-5.sif', 'img-5.sif.json', 'img-latest.sif', 'img-latest.sif.json']
    with pytest.raises(PublishError, match='keep_builds must be at least 1'):
        publish(publish_dir, side, keep_builds=0)


def test_v2_layout_and_lineage(tmp_path):
    publish_dir = tmp_path / 'www'
    run_src, run_side = sif_with_side(tmp_path, 'casa-run-5.3', b'run' * 50)
    run_side.update(image_version='5.3', source_layers=['sha256:l1'], source_image_id='sha256:run')
    publish(publish_dir, run_side, src=run_src, v2_files=True)
    assert (publish_dir / 'casa-run-5.3.simg.md5').read_text() == run_side['md5']
    assert (publish_dir / 'casa-run-5.3.simg.dockerid').read_text() == 'sha256:run'
    assert os.readlink(str(publish_dir / 'casa-run-5.3.simg')) == 'casa-run-5.3-1.sif'
    dev_src, dev_side = sif_with_side(tmp_path, 'casa-dev-5.3', b'dev' * 50)
    dev_side.update(type='dev', image_version='5.3', source_layers=['sha256:l1', 'sha256:d1'], image_id=None)
    done = publish(publish_dir, dev_side, src=dev_src)
    assert done['metadata']['origin_run'] == run_side['image_id'] and done['metadata']['image_id']
    assert json.loads((publish_dir / 'casa-dev-5.3-1.sif.json').read_text())['origin_run'] == run_side['image_id']
    assert not (publish_dir / 'casa-dev-5.3.simg').exists()


def test_pending_publication_in_check_mode(tmp_path):
    # A whole release's dry run: the SIF would be converted first, only its name is known.
    publish_dir = tmp_path / 'download'
    result = publish(publish_dir, None, check_mode=True, name='casa-run-5.3', pending=True)
    assert result['changed'] and not result['upload_needed'] and not result['published']
    assert result['build_number'] == 1 and result['url'] == 'http://example.org/dl/casa-run-5.3-1.sif'
    assert result['actions'] == ['Would publish casa-run-5.3 as casa-run-5.3-1.sif once converted']
    assert not publish_dir.exists()
    # Next to a published build: the next number.
    src, side = sif_with_side(tmp_path, 'casa-run-5.3', b'one')
    publish(publish_dir, side, src=src)
    before = all_files(publish_dir)
    result = publish(publish_dir, {'name': 'casa-run-5.3'}, check_mode=True, pending=True)
    assert result['build_number'] == 2 and all_files(publish_dir) == before
    with pytest.raises(PublishError, match='Invalid image name'):
        publish(publish_dir, None, check_mode=True, pending=True)
