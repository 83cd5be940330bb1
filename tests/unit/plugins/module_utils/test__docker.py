# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure helpers of the Docker client; the client itself is tested against a real daemon in
tests/integration/targets/casa_docker_image."""

from __future__ import annotations

import io
import tarfile

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _docker
from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError


@pytest.mark.parametrize('message', [
    'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused',
    'received unexpected HTTP status: 503 Service Unavailable',
    'net/http: TLS handshake timeout',
    'toomanyrequests: rate limit',
    'Get "http://172.17.0.2:5000/v2/": dial tcp 172.17.0.2:5000: connect: no route to host',
])
def test_transient_errors_are_retried(message):
    assert _docker.is_transient(message)


@pytest.mark.parametrize('message', [
    'unauthorized: authentication required',
    'denied: requested access to the resource is denied',
    'manifest unknown',
])
def test_permanent_errors_are_not_retried(message):
    assert not _docker.is_transient(message)


def test_registry_hints():
    assert 'registry_username' in _docker._registry_hint('unauthorized: authentication required')
    assert 'insecure' in _docker._registry_hint('http: server gave HTTP response to HTTPS client')
    assert _docker._registry_hint('manifest unknown') == ''


def test_json_lines_parses_streams():
    assert _docker._json_lines('{"status": "sha256:1"}\n\n{"error": "x"}\n') == [{'status': 'sha256:1'}, {'error': 'x'}]
    assert _docker._json_lines({'status': 'a'}) == [{'status': 'a'}]
    assert _docker._json_lines('plain text') == [{'status': 'plain text'}]


def test_unreachable_daemon_names_the_host(tmp_path):
    host = 'unix://%s/no-such.sock' % tmp_path
    with pytest.raises(_docker.DockerError) as err:
        _docker.DockerClient(docker_host=host, timeout=2)
    assert host in str(err.value)
    assert 'Cannot connect to the Docker daemon' in str(err.value)


class FlakyOperation:
    def __init__(self, failures, message):
        self.failures = failures
        self.message = message
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise _docker.DockerError(self.message)
        return 'done'


def client_without_daemon(retries, delays):
    client = _docker.DockerClient.__new__(_docker.DockerClient)
    client.docker_host = 'test'
    client.retries = retries
    client.retry_delay = 1.0
    client._sleep = delays.append
    return client


def test_retries_back_off_then_succeed():
    delays = []
    client = client_without_daemon(3, delays)
    operation = FlakyOperation(2, 'connection refused')
    assert client._with_retries('push x', operation) == 'done'
    assert operation.calls == 3 and delays == [1.0, 2.0]


def test_retries_give_up_with_the_attempt_count():
    delays = []
    client = client_without_daemon(2, delays)
    with pytest.raises(_docker.DockerError) as err:
        client._with_retries('push x', FlakyOperation(9, '503 Service Unavailable'))
    assert '3 attempt(s)' in str(err.value) and delays == [1.0, 2.0]


def test_permanent_error_is_not_retried():
    delays = []
    client = client_without_daemon(3, delays)
    operation = FlakyOperation(1, 'unauthorized: authentication required')
    with pytest.raises(_docker.DockerError) as err:
        client._with_retries('push x', operation)
    assert operation.calls == 1 and delays == []
    assert 'registry_username' in str(err.value)


def test_push_stream_digest_from_the_aux_record():
    lines = [
        {'status': 'The push refers to repository [127.0.0.1:5000/casa/run]'},
        {'status': 'Pushed', 'progressDetail': {}, 'id': 'a1b2'},
        {'status': '5.3: digest: sha256:%s size: 528' % ('1' * 64)},
        {'progressDetail': {}, 'aux': {'Tag': '5.3', 'Digest': 'sha256:' + 'a' * 64, 'Size': 528}},
    ]
    assert _docker.push_stream_digest(lines) == 'sha256:' + 'a' * 64


def test_push_stream_status_lines_reach_the_live_log_but_not_the_byte_counts():
    seen = []
    lines = [
        {'status': 'The push refers to repository [127.0.0.1:5000/casa/run]'},
        {'status': 'Pushing', 'progressDetail': {'current': 512, 'total': 4096}, 'id': 'a1b2'},
        {'status': 'Pushed', 'progressDetail': {}, 'id': 'a1b2'},
        {'progressDetail': {}, 'aux': {'Tag': '5.3', 'Digest': 'sha256:' + 'a' * 64, 'Size': 528}},
    ]
    _docker.push_stream_digest(lines, seen.append)
    assert seen == ['The push refers to repository [127.0.0.1:5000/casa/run]', 'a1b2: Pushed']


def test_pull_stream_digest_from_the_status_line():
    lines = [{'status': 'Pulling from casa/run', 'id': '5.3'},
             {'status': 'Digest: sha256:' + 'b' * 64},
             {'status': 'Status: Image is up to date for 127.0.0.1:5000/casa/run:5.3'}]
    assert _docker.push_stream_digest(lines) == 'sha256:' + 'b' * 64


def test_push_stream_error_raises_the_daemon_message():
    lines = [{'status': 'Preparing'}, {'errorDetail': {'message': 'denied: access forbidden'}, 'error': 'denied'}]
    with pytest.raises(_docker.DockerError) as err:
        _docker.push_stream_digest(lines)
    assert 'access forbidden' in str(err.value)


def test_build_progress_tracks_step_tail_and_id():
    progress = _docker.BuildProgress()
    for chunk in [{'stream': 'Step 1/2 : FROM debian\n'}, {'stream': ' ---> 1234\n'},
                  {'stream': 'Step 2/2 : RUN make\n'}, {'stream': 'compiling\nlinking\n'},
                  {'aux': {'ID': 'sha256:' + 'c' * 64}}, {'stream': 'Successfully built cccccccccccc\n'}]:
        progress.feed(chunk)
    assert progress.step == 'Step 2/2 : RUN make'
    assert list(progress.tail)[-3:] == ['compiling', 'linking', 'Successfully built cccccccccccc']
    assert progress.image_id == 'sha256:' + 'c' * 64 and progress.error is None


def test_build_progress_old_daemons_and_errors():
    progress = _docker.BuildProgress()
    progress.feed({'stream': 'Successfully built 0123456789ab\n'})
    assert progress.image_id == '0123456789ab'
    progress.feed({'errorDetail': {'code': 1, 'message': "The command '/bin/sh -c false' returned a non-zero code: 1"},
                   'error': 'x'})
    assert 'non-zero code' in progress.error


def test_build_progress_keeps_only_the_last_lines():
    progress = _docker.BuildProgress()
    progress.feed({'stream': ''.join('line %d\n' % i for i in range(100))})
    assert len(progress.tail) == _docker.LOG_TAIL_LINES and progress.tail[-1] == 'line 99'


# ------------------------------------------------------------------ build context streaming and builds

class FakeAPI:
    """The few APIClient calls DockerClient.build makes."""

    def __init__(self, chunks, known=('sha256:' + 'c' * 64,)):
        self.chunks = chunks
        self.known = known
        self.context = None
        self.length = None

    def build(self, **options):
        if 'fileobj' in options:
            # As requests sends a body that says its length: Content-Length, then the reads.
            self.length = len(options['fileobj'])
            self.context = options['fileobj'].read()
        return iter(self.chunks)

    def inspect_image(self, reference):
        full = next((k for k in self.known if k.endswith(reference) or k == reference), None)
        if full is None:
            raise _docker.docker_errors.ImageNotFound('no such image')
        return {'Id': full}


def client_with_api(api):
    client = client_without_daemon(0, [])
    client.api = api
    return client


def test_build_streams_the_context_and_returns_the_full_id(tmp_path):
    (tmp_path / 'Dockerfile').write_text('FROM a\n')
    api = FakeAPI([{'stream': 'Step 1/1 : FROM a\n'}, {'aux': {'ID': 'sha256:' + 'c' * 64}},
                   {'stream': 'Successfully built cccccccccccc\n'}])
    image_id, log = client_with_api(api).build(str(tmp_path), 'x:1', context_paths=['Dockerfile'])
    assert image_id == 'sha256:' + 'c' * 64 and log[0] == 'Step 1/1 : FROM a'
    assert api.length == len(api.context)
    with tarfile.open(fileobj=io.BytesIO(api.context)) as archive:
        assert archive.getnames() == ['Dockerfile']


def test_a_context_file_changed_during_the_upload_fails_the_build_naming_it(tmp_path):
    (tmp_path / 'Dockerfile').write_text('FROM a\n')
    (tmp_path / 'data').write_bytes(b'x' * 4096)

    class ShrinkingAPI(FakeAPI):
        def build(self, **options):
            (tmp_path / 'data').write_bytes(b'x')
            return super().build(**options)

    with pytest.raises(_docker.BuildError) as err:
        client_with_api(ShrinkingAPI([])).build(str(tmp_path), 'x:1', context_paths=['Dockerfile', 'data'])
    assert str(err.value) == ('Building x:1 failed: the build context changed or could not be read: '
                              'data shrank while it was sent: 4096 bytes expected, 1 read')
    assert 'Traceback' not in str(err.value.details)


def test_build_error_names_the_step_and_keeps_the_log(tmp_path):
    (tmp_path / 'Dockerfile').write_text('FROM a\n')
    api = FakeAPI([{'stream': 'Step 2/2 : RUN false\n'}, {'stream': 'about to fail\n'},
                   {'errorDetail': {'message': "The command '/bin/sh -c false' returned a non-zero code: 1"}}])
    with pytest.raises(_docker.BuildError) as err:
        client_with_api(api).build(str(tmp_path), 'x:1', context_paths=['Dockerfile'])
    assert 'Building x:1 failed at Step 2/2 : RUN false' in str(err.value)
    assert err.value.details['failed_step'] == 'Step 2/2 : RUN false'
    assert err.value.details['build_log_tail'] == ['Step 2/2 : RUN false', 'about to fail']
    assert isinstance(err.value, CasaError)


def test_build_without_image_id_is_an_error(tmp_path):
    with pytest.raises(_docker.BuildError) as err:
        client_with_api(FakeAPI([{'stream': 'something\n'}])).build(str(tmp_path), 'x:1')
    assert 'produced no image ID' in str(err.value) and 'something' in str(err.value)


def test_build_cut_short_by_the_daemon_says_so(tmp_path):
    def chunks():
        yield {'stream': 'Step 2/2 : RUN sleep 6\n'}
        raise _docker.BrokenAnswer('Connection broken: IncompleteRead(0 bytes read)')

    api = FakeAPI(chunks())
    client = client_with_api(api)
    with pytest.raises(_docker.BuildError) as err:
        client.build(str(tmp_path), 'x:1')
    message = str(err.value)
    assert message.startswith('Building x:1 failed: the Docker daemon at %s closed the connection' % client.docker_host)
    assert 'stopped or restarted' in message and 'IncompleteRead' not in message
    assert err.value.details['failed_step'] == 'Step 2/2 : RUN sleep 6'
