# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one client of the registry HTTP API (OCI distribution, Docker Registry v2) itself.

``_docker.py`` reaches registries only through the Docker daemon, which pushes and pulls images,
not other artifacts. A SIF stored the way ``apptainer push oras://`` stores it is a manifest
naming a blob: this client pushes and pulls such blobs and manifests directly, with constant
memory (blobs go in chunks of ``chunk_size``), basic or token authentication, and retries of
transient failures. Blobs are verified against their digest while they stream.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import socket
import tempfile
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urljoin

from ansible.module_utils.urls import Request

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError, InputError

OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
CHUNK_SIZE = 8 << 20
_DIGEST_RE = re.compile(r'^sha256:[0-9a-f]{64}$')
# registry[:port]/repository[:tag|@digest], as in oras://... (Docker's reference grammar, simplified).
_REFERENCE_RE = re.compile(
    r'^(?P<registry>[A-Za-z0-9.-]+(?::[0-9]+)?|\[[0-9A-Fa-f:]+\](?::[0-9]+)?)/'
    r'(?P<repository>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)'
    r'(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$')
_TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}


class RegistryError(CasaError):
    """A registry request failed (after its retries, when the failure was transient)."""


class OciReference:
    """``oras://registry/repository:tag`` or ``...@sha256:...`` (tag ``latest`` when neither)."""

    def __init__(self, text, scheme='oras://'):
        if not isinstance(text, str) or not text.startswith(scheme):
            raise InputError('%r is not a %s reference (%sregistry[:port]/repository[:tag][@sha256:digest])'
                             % (text, scheme, scheme))
        match = _REFERENCE_RE.match(text[len(scheme):])
        if not match:
            raise InputError('%r is not a valid %s reference: expected %sregistry[:port]/repository[:tag]'
                             '[@sha256:<64 hex digits>] with a lowercase repository' % (text, scheme, scheme))
        self.scheme = scheme
        self.registry = match.group('registry')
        self.repository = match.group('repository')
        self.digest = match.group('digest')
        self.tag = match.group('tag') or (None if self.digest else 'latest')

    @property
    def reference(self):
        """What the manifest is asked for by: the digest when pinned, else the tag."""
        return self.digest or self.tag

    def pinned(self, digest):
        return '%s%s/%s@%s' % (self.scheme, self.registry, self.repository, digest)

    def __str__(self):
        text = '%s%s/%s' % (self.scheme, self.registry, self.repository)
        if self.tag and not self.digest:
            return '%s:%s' % (text, self.tag)
        return text + ('@' + self.digest if self.digest else '')


def check_digest(digest, what='digest'):
    if not isinstance(digest, str) or not _DIGEST_RE.match(digest):
        raise InputError('%s %r is not a sha256 digest (sha256:<64 lowercase hex digits>)' % (what, digest))
    return digest


def parse_challenge(header):
    """``(scheme, {param: value})`` of a WWW-Authenticate header (``Bearer realm="...",service=...``)."""
    if not header:
        return None, {}
    scheme, _sep, rest = header.strip().partition(' ')
    params = dict((key.lower(), value) for key, value in
                  re.findall(r'([A-Za-z_]+)\s*=\s*"?([^",]*)"?', rest))
    return scheme.lower(), params


def bytes_digest(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


class _Retry(Exception):
    """A transient failure worth another attempt."""


class OciRegistry:
    """One registry. ``username``/``password`` (never logged nor returned) answer its basic or
    token challenge; ``plain_http`` talks HTTP instead of HTTPS; ``retries`` more attempts after
    a transient failure, the delay doubling from ``retry_delay``."""

    def __init__(self, registry, username=None, password=None, plain_http=False, validate_certs=True,
                 ca_path=None, retries=3, retry_delay=2.0, timeout=300, chunk_size=CHUNK_SIZE):
        self.registry = registry
        self.base = '%s://%s' % ('http' if plain_http else 'https', registry)
        self.username = username
        self.password = password
        self.retries = max(0, retries or 0)
        self.retry_delay = retry_delay or 0
        self.chunk_size = chunk_size
        self._request = Request(validate_certs=validate_certs, ca_path=ca_path, timeout=timeout,
                                follow_redirects='all')
        self._authorization = None
        self._tokens = {}

    # ------------------------------------------------------------------ requests
    def _auth_header(self, challenge, scope):
        scheme, params = parse_challenge(challenge)
        if scheme == 'basic' and self.username:
            return 'Basic ' + base64.b64encode(('%s:%s' % (self.username, self.password or '')).encode()).decode()
        if scheme == 'bearer' and params.get('realm'):
            key = (params.get('realm'), params.get('service'), scope)
            if key not in self._tokens:
                self._tokens[key] = self._token(params, scope)
            return 'Bearer ' + self._tokens[key]
        return None

    def _token(self, params, scope):
        query = {'service': params.get('service', '')}
        if scope:
            query['scope'] = scope
        headers = {}
        if self.username:
            headers['Authorization'] = 'Basic ' + base64.b64encode(
                ('%s:%s' % (self.username, self.password or '')).encode()).decode()
        response = self._request.open('GET', params['realm'] + '?' + urlencode(query), headers=headers)
        body = json.loads(response.read().decode('utf-8'))
        return body.get('token') or body.get('access_token')

    def _open(self, method, url, scope, data=None, headers=None, ok=(200,)):
        """One request, authenticated on a 401 challenge; HTTPError for any status not in ``ok``."""
        headers = dict(headers or {})
        if self._authorization:
            headers['Authorization'] = self._authorization
        try:
            response = self._request.open(method, url, data=data, headers=headers)
        except HTTPError as exc:
            if exc.code != 401 or ('Authorization' in headers and not self._needs_new_token(exc)):
                raise
            authorization = self._auth_header(exc.headers.get('WWW-Authenticate'), scope)
            if not authorization:
                raise
            self._authorization = authorization
            headers['Authorization'] = authorization
            response = self._request.open(method, url, data=data, headers=headers)
        if response.getcode() not in ok:
            raise RegistryError('%s %s answered HTTP %s' % (method, url, response.getcode()))
        return response

    @staticmethod
    def _needs_new_token(exc):
        """A bearer token of another scope: ask for a new one."""
        return (exc.headers.get('WWW-Authenticate') or '').lower().startswith('bearer')

    def _url(self, repository, path):
        return '%s/v2/%s/%s' % (self.base, repository, path)

    def _with_retries(self, what, operation):
        delay = self.retry_delay
        for attempt in range(self.retries + 1):
            try:
                return operation()
            except HTTPError as exc:
                if exc.code not in _TRANSIENT_STATUS or attempt == self.retries:
                    raise RegistryError('Cannot %s on %s: HTTP %s %s%s' % (what, self.registry, exc.code, exc.reason,
                                                                           _hint(exc.code)),
                                        status=exc.code, attempts=attempt + 1)
            except (URLError, socket.timeout, ConnectionError) as exc:
                if attempt == self.retries:
                    reason = getattr(exc, 'reason', exc)
                    raise RegistryError('Cannot %s on %s (after %d attempt(s)): %s'
                                        % (what, self.registry, attempt + 1, reason), attempts=attempt + 1)
            except _Retry as exc:
                if attempt == self.retries:
                    raise RegistryError('Cannot %s on %s (after %d attempt(s)): %s'
                                        % (what, self.registry, attempt + 1, exc), attempts=attempt + 1)
            time.sleep(delay)
            delay *= 2
        raise AssertionError('unreachable')  # pragma: no cover

    # ------------------------------------------------------------------ manifests
    def manifest(self, repository, reference):
        """``(digest, manifest dict)`` of repository:reference, or ``(None, None)`` when absent.
        A manifest asked for by digest is checked against it."""
        scope = 'repository:%s:pull' % repository

        def get():
            try:
                response = self._open('GET', self._url(repository, 'manifests/' + reference), scope,
                                      headers={'Accept': '%s, %s' % (OCI_MANIFEST, DOCKER_MANIFEST)})
            except HTTPError as exc:
                if exc.code == 404:
                    return None
                raise
            return response.read()

        body = self._with_retries('read the manifest %s:%s' % (repository, reference), get)
        if body is None:
            return None, None
        digest = bytes_digest(body)
        if reference.startswith('sha256:') and digest != reference:
            raise RegistryError('The manifest of %s@%s has the digest %s: corrupt or tampered'
                                % (repository, reference, digest))
        try:
            return digest, json.loads(body.decode('utf-8'))
        except ValueError as exc:
            raise RegistryError('The manifest of %s:%s is not JSON: %s' % (repository, reference, exc))

    def put_manifest(self, repository, tag, manifest_bytes, media_type=OCI_MANIFEST):
        """Store a manifest under ``tag``; returns its digest."""
        scope = 'repository:%s:pull,push' % repository

        def put():
            return self._open('PUT', self._url(repository, 'manifests/' + tag), scope, data=manifest_bytes,
                              headers={'Content-Type': media_type}, ok=(200, 201))

        self._with_retries('store the manifest %s:%s' % (repository, tag), put)
        return bytes_digest(manifest_bytes)

    # ------------------------------------------------------------------ blobs
    def blob_exists(self, repository, digest):
        scope = 'repository:%s:pull' % repository

        def head():
            try:
                self._open('HEAD', self._url(repository, 'blobs/' + digest), scope)
            except HTTPError as exc:
                if exc.code == 404:
                    return False
                raise
            return True

        return self._with_retries('look up the blob %s in %s' % (digest, repository), head)

    def push_bytes(self, repository, data):
        """Push a small blob held in memory (a config); returns its digest."""
        digest = bytes_digest(data)
        if not self.blob_exists(repository, digest):
            self._with_retries('push the blob %s to %s' % (digest, repository),
                               lambda: self._upload(repository, digest, [data]))
        return digest

    def push_file(self, repository, path, digest):
        """Push the file ``path`` whose digest is ``digest``, in chunks; False when the registry
        held it already."""
        check_digest(digest)
        if self.blob_exists(repository, digest):
            return False

        def chunks():
            with open(path, 'rb') as stream:
                while True:
                    chunk = stream.read(self.chunk_size)
                    if not chunk:
                        return
                    yield chunk

        # Each attempt starts a new upload session from the start of the file.
        self._with_retries('push %s to %s' % (path, repository), lambda: self._upload(repository, digest, chunks()))
        return True

    def _upload(self, repository, digest, chunks):
        scope = 'repository:%s:pull,push' % repository
        response = self._open('POST', self._url(repository, 'blobs/uploads/'), scope, data=b'', ok=(202,))
        location = self._location(response)
        offset = 0
        for chunk in chunks:
            headers = {'Content-Type': 'application/octet-stream',
                       'Content-Range': '%d-%d' % (offset, offset + len(chunk) - 1)}
            response = self._open('PATCH', location, scope, data=chunk, headers=headers, ok=(202,))
            location = self._location(response)
            offset += len(chunk)
        separator = '&' if '?' in location else '?'
        self._open('PUT', location + separator + urlencode({'digest': digest}), scope, data=b'',
                   headers={'Content-Type': 'application/octet-stream'}, ok=(201,))

    def _location(self, response):
        location = response.headers.get('Location')
        if not location:
            raise _Retry('the registry gave no upload location')
        return urljoin(self.base + '/', location)

    def download(self, repository, digest, dest, size=None):
        """Stream the blob ``digest`` to the file ``dest`` (written aside, renamed once its sha256
        matches). Returns the number of bytes."""
        check_digest(digest)
        scope = 'repository:%s:pull' % repository
        directory = os.path.dirname(os.path.abspath(dest))

        def fetch():
            fd, temporary = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(dest), suffix='.part')
            try:
                hasher = hashlib.sha256()
                written = 0
                with os.fdopen(fd, 'wb') as out:
                    response = self._open('GET', self._url(repository, 'blobs/' + digest), scope)
                    while True:
                        chunk = response.read(self.chunk_size)
                        if not chunk:
                            break
                        hasher.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                found = 'sha256:' + hasher.hexdigest()
                if found != digest or (size is not None and written != size):
                    raise _Retry('the blob %s arrived with %d bytes and the digest %s' % (digest, written, found))
                os.rename(temporary, dest)
                return written
            except BaseException:
                if os.path.exists(temporary):
                    os.unlink(temporary)
                raise

        return self._with_retries('download the blob %s of %s' % (digest, repository), fetch)


def _hint(status):
    if status in (401, 403):
        return ' (check registry_username and registry_password)'
    if status == 404:
        return ' (no such repository or blob)'
    return ''
