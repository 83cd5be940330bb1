# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import io
from urllib.error import HTTPError, URLError

import pytest

from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._oci_registry import (
    OciReference, OciRegistry, RegistryError, bytes_digest, check_digest, parse_challenge)

DIGEST = 'sha256:' + 'a' * 64


@pytest.mark.parametrize('text, registry, repository, tag, digest', [
    ('oras://127.0.0.1:5000/casa/sif/run:5.3', '127.0.0.1:5000', 'casa/sif/run', '5.3', None),
    ('oras://registry.example.org/run', 'registry.example.org', 'run', 'latest', None),
    ('oras://r:1/a/b@' + DIGEST, 'r:1', 'a/b', None, DIGEST),
    ('oras://r/a:t@' + DIGEST, 'r', 'a', 't', DIGEST),
])
def test_reference_parts(text, registry, repository, tag, digest):
    reference = OciReference(text)
    assert (reference.registry, reference.repository, reference.tag, reference.digest) == (registry, repository, tag, digest)
    assert reference.reference == (digest or tag)


def test_reference_pinned_and_text():
    reference = OciReference('oras://r:5000/casa/run:5.3')
    assert str(reference) == 'oras://r:5000/casa/run:5.3'
    assert reference.pinned(DIGEST) == 'oras://r:5000/casa/run@' + DIGEST
    assert str(OciReference(reference.pinned(DIGEST))) == 'oras://r:5000/casa/run@' + DIGEST


@pytest.mark.parametrize('text', [
    'docker://r/a:1', 'oras://r', 'oras://r/A/b:1', 'oras://r/a:1@sha256:abc', 'oras://r/a:-x',
    'oras://r/../a', 'oras://r/a;rm -rf /', None, 5,
])
def test_reference_refused_with_the_value(text):
    with pytest.raises(InputError) as info:
        OciReference(text)
    assert repr(text) in str(info.value)


def test_check_digest():
    assert check_digest(DIGEST) == DIGEST
    with pytest.raises(InputError, match='layer digest'):
        check_digest('sha256:ABC', 'layer digest')


def test_bytes_digest_of_empty_config():
    # The digest every oras client gives the empty JSON config.
    assert bytes_digest(b'{}') == 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'


@pytest.mark.parametrize('header, scheme, params', [
    ('Bearer realm="https://auth.example.org/token",service="registry",scope="repository:a:pull"',
     'bearer', {'realm': 'https://auth.example.org/token', 'service': 'registry', 'scope': 'repository:a:pull'}),
    ('Basic realm="Registry Realm"', 'basic', {'realm': 'Registry Realm'}),
    ('', None, {}),
    (None, None, {}),
])
def test_parse_challenge(header, scheme, params):
    assert parse_challenge(header) == (scheme, params)


def test_basic_auth_header_carries_the_credentials_only_when_asked():
    client = OciRegistry('r:5000', username='casa', password='s3cret')
    assert client._auth_header('Basic realm="x"', 'repository:a:pull') == 'Basic Y2FzYTpzM2NyZXQ='
    assert OciRegistry('r:5000')._auth_header('Basic realm="x"', None) is None


def _http_error(code):
    return HTTPError('http://r/v2/', code, 'reason %d' % code, {}, io.BytesIO())


def test_retries_transient_failures_then_succeeds():
    client = OciRegistry('r:5000', retries=3, retry_delay=0)
    outcomes = [URLError('refused'), _http_error(503), 'done']

    def operation():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert client._with_retries('push x', operation) == 'done'


def test_gives_up_after_the_retries_naming_the_registry():
    client = OciRegistry('r:5000', retries=2, retry_delay=0)
    calls = []

    def operation():
        calls.append(1)
        raise URLError('Connection refused')

    with pytest.raises(RegistryError, match=r'Cannot push x on r:5000 \(after 3 attempt\(s\)\): Connection refused'):
        client._with_retries('push x', operation)
    assert len(calls) == 3


def test_authentication_failure_is_not_retried():
    client = OciRegistry('r:5000', retries=3, retry_delay=0)
    calls = []

    def operation():
        calls.append(1)
        raise _http_error(401)

    with pytest.raises(RegistryError, match='HTTP 401.*registry_username'):
        client._with_retries('push x', operation)
    assert len(calls) == 1
