# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure helpers of the Docker client; the client itself is tested against a real daemon in
tests/integration/targets/casa_docker_image."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _docker


@pytest.mark.parametrize('reference,expected', [
    ('debian', ('debian', 'latest')),
    ('debian:12', ('debian', '12')),
    ('127.0.0.1:5000/casa/run', ('127.0.0.1:5000/casa/run', 'latest')),
    ('127.0.0.1:5000/casa/run:5.3', ('127.0.0.1:5000/casa/run', '5.3')),
    ('x@sha256:abc', ('x', 'sha256:abc')),
])
def test_split_reference(reference, expected):
    assert _docker.split_reference(reference) == expected


@pytest.mark.parametrize('message', [
    'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused',
    'received unexpected HTTP status: 503 Service Unavailable',
    'net/http: TLS handshake timeout',
    'toomanyrequests: rate limit',
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
