# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one place that talks to the Docker daemon.

Private to the collection: no stability promise. Wraps the Docker SDK for Python's low-level
APIClient; every SDK or transport exception is turned into DockerError with a message that
names the daemon, the image and what went wrong, so that modules never show a traceback.
"""

from __future__ import annotations

import collections
import json
import re
import time

from ansible_collections.casa.distro.plugins.module_utils._context_tar import ContextTar
from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError

try:
    import docker
    from docker import errors as docker_errors
    HAS_DOCKER = True
    DOCKER_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module through missing_required_lib
    HAS_DOCKER = False
    DOCKER_IMPORT_ERROR = exc

try:
    import requests.exceptions as requests_errors
except ImportError:  # pragma: no cover - requests comes with docker
    requests_errors = None

try:
    from urllib3.exceptions import ProtocolError as BrokenAnswer
except ImportError:  # pragma: no cover - urllib3 comes with requests
    BrokenAnswer = None


DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'
LOG_TAIL_LINES = 25

# Registry and transport failures worth another try; anything else (denied, unknown manifest,
# bad name) fails at once.
TRANSIENT_PATTERNS = (
    'connection refused', 'connection reset', 'timeout', 'timed out', 'temporary failure',
    'eof', 'broken pipe', 'no such host', '500 internal server error', '502 bad gateway',
    '503 service unavailable', '504 gateway', 'status: 500', 'status: 502', 'status: 503',
    'status: 504', 'toomanyrequests', 'too many requests', 'tls handshake',
    'server misbehaving', 'i/o timeout', 'unexpected http status: 5', 'no route to host',
    'network is unreachable', 'host is down',
)


class DockerError(CasaError):
    """A Docker operation failed. ``details`` is merged into the module's failure result."""


class BuildError(DockerError):
    """A build failed; details carry the failing step and the last lines of the build log."""


def is_transient(message):
    """Whether a registry or transport error message looks worth retrying."""
    lowered = (message or '').lower()
    return any(pattern in lowered for pattern in TRANSIENT_PATTERNS)


class DockerClient:
    """A connected Docker daemon.

    ``retries`` and ``retry_delay`` apply to registry operations (pull, push, manifest look-up):
    transient failures are retried with an exponential backoff.
    """

    def __init__(self, docker_host=None, timeout=300, tls=False, validate_certs=False,
                 ca_path=None, client_cert=None, client_key=None, api_version='auto',
                 retries=3, retry_delay=2.0, sleep=time.sleep):
        if not HAS_DOCKER:
            raise DockerError('The Docker SDK for Python (docker) is not installed: %s'
                              % DOCKER_IMPORT_ERROR)
        self.docker_host = docker_host or DEFAULT_DOCKER_HOST
        self.retries = max(0, int(retries))
        self.retry_delay = float(retry_delay)
        self._sleep = sleep
        tls_config = False
        if tls or validate_certs:
            cert = (client_cert, client_key) if client_cert and client_key else None
            tls_config = docker.tls.TLSConfig(client_cert=cert, ca_cert=ca_path, verify=validate_certs)
        try:
            self.api = docker.APIClient(base_url=self.docker_host, version=api_version,
                                        timeout=timeout, tls=tls_config)
            self.api.ping()
        except Exception as exc:  # the SDK raises DockerException, requests and OS errors here
            raise DockerError(
                'Cannot connect to the Docker daemon at %s: %s. Is dockerd running, and may '
                'this user use its socket? (set docker_host or DOCKER_HOST for another daemon)'
                % (self.docker_host, _describe(exc)), docker_host=self.docker_host)

    # ------------------------------------------------------------------ images
    def inspect_image(self, reference):
        """The inspect dict of an image (by name, name:tag or ID), or None when absent."""
        try:
            return self.api.inspect_image(reference)
        except docker_errors.ImageNotFound:
            return None
        except docker_errors.NotFound:
            return None
        except Exception as exc:
            raise DockerError('Cannot inspect image %s on %s: %s'
                              % (reference, self.docker_host, _describe(exc)))

    def image_id(self, reference):
        """The full image ID of a reference, or None when absent."""
        info = self.inspect_image(reference)
        return info['Id'] if info else None

    def tag(self, image_id, repository, tag):
        try:
            self.api.tag(image_id, repository, tag, force=True)
        except Exception as exc:
            raise DockerError('Cannot tag %s as %s:%s: %s'
                              % (image_id, repository, tag, _describe(exc)))

    def remove_image(self, reference):
        """Untag (and delete when it was the last reference) an image. True when it existed."""
        try:
            self.api.remove_image(reference, force=False, noprune=False)
            return True
        except docker_errors.NotFound:
            return False
        except Exception as exc:
            raise DockerError('Cannot remove image %s: %s' % (reference, _describe(exc)))

    def list_images(self, all_layers=False):
        """The daemon's images (``GET /images/json``: Id, ParentId, RepoTags, Labels, Size);
        intermediate images of classic builds too with ``all_layers``."""
        try:
            return self.api.images(all=all_layers)
        except Exception as exc:
            raise DockerError('Cannot list the images of %s: %s' % (self.docker_host, _describe(exc)))

    def container_image_ids(self):
        """The image IDs of every container, running or not."""
        try:
            return {container['ImageID'] for container in self.api.containers(all=True) if container.get('ImageID')}
        except Exception as exc:
            raise DockerError('Cannot list the containers of %s: %s' % (self.docker_host, _describe(exc)))

    # ------------------------------------------------------------------ build
    def build(self, context_dir, tag, dockerfile='Dockerfile', buildargs=None, labels=None,
              target=None, network_mode=None, pull=False, nocache=False, on_line=None,
              context_paths=None):
        """Build ``context_dir`` and tag the result.

        With ``context_paths`` (the paths relative to ``context_dir`` that make the context,
        .dockerignore already applied), they go to the daemon as a tar stream read straight from
        the files (_context_tar.ContextTar: the SDK would first write the whole context to a
        temporary tar file). Without it, the SDK packs the directory itself and applies its
        .dockerignore.

        Returns (image_id, log_lines). Raises BuildError with the failing step and the tail
        of the build log.
        """
        progress = BuildProgress(on_line)
        packer = None
        try:
            if context_paths is not None:
                packer = ContextTar(context_dir, context_paths)
                source = dict(fileobj=packer, custom_context=True)
            else:
                source = dict(path=context_dir)
            stream = self.api.build(
                dockerfile=dockerfile, tag=tag, buildargs=buildargs or {},
                labels=labels or {}, target=target, network_mode=network_mode, pull=pull,
                nocache=nocache, rm=True, forcerm=True, decode=True, **source)
            progress.consume(stream, tag)
        except BuildError:
            raise
        except Exception as exc:
            problem = packer.problem() if packer else None
            raise BuildError('Building %s failed: %s' % (tag, problem or _describe(exc, self.docker_host)),
                             failed_step=progress.step, build_log_tail=list(progress.tail),
                             error=problem or _describe(exc))
        finally:
            if packer:
                packer.close()
        return self._built_image(tag, progress)

    def _built_image(self, tag, progress):
        """The full ID of the image a finished build stream reported."""
        details = dict(failed_step=progress.step, build_log_tail=list(progress.tail))
        if not progress.image_id:
            raise BuildError('Building %s produced no image ID; the daemon said: %s'
                             % (tag, ' | '.join(progress.tail)), **details)
        full_id = self.image_id(progress.image_id)
        if not full_id:
            raise BuildError('Building %s reported image %s, which the daemon does not have'
                             % (tag, progress.image_id), **details)
        return full_id, list(progress.tail)

    def import_rootfs(self, tar_stream, repository, tag, changes):
        """``docker import`` a root filesystem tar stream. Returns the new image ID."""
        try:
            result = self.api.import_image(src=tar_stream, repository=repository, tag=tag,
                                           changes=changes, stream_src=True)
        except Exception as exc:
            raise DockerError('Importing the root filesystem as %s:%s failed: %s'
                              % (repository, tag, _describe(exc, self.docker_host)))
        image_id = None
        for line in _json_lines(result):
            if line.get('error'):
                raise DockerError('Importing %s:%s failed: %s' % (repository, tag, line['error']))
            status = line.get('status') or ''
            if status.startswith('sha256:'):
                image_id = status
        image_id = image_id or self.image_id('%s:%s' % (repository, tag))
        if not image_id:
            raise DockerError('Importing %s:%s produced no image' % (repository, tag))
        return image_id

    def load_archive(self, path):
        """``docker load`` a docker-archive tarball (``docker save`` output)."""
        try:
            with open(path, 'rb') as handle:
                for line in self.api.load_image(handle):
                    if isinstance(line, dict) and (line.get('error') or line.get('errorDetail')):
                        raise DockerError('docker load of %s failed: %s'
                                          % (path, (line.get('errorDetail') or {}).get('message') or line.get('error')))
        except DockerError:
            raise
        except Exception as exc:
            raise DockerError('docker load of %s failed: %s' % (path, _describe(exc, self.docker_host)))

    def saved_image(self, reference, chunk_size=1 << 20):
        """An iterator over ``docker save`` of an image (a docker-archive tarball)."""
        try:
            return self.api.get_image(reference, chunk_size=chunk_size)
        except Exception as exc:
            raise DockerError('Cannot save image %s: %s' % (reference, _describe(exc, self.docker_host)))

    # ------------------------------------------------------------------ registry
    def registry_digest(self, repository, tag, auth=None):
        """The manifest digest the registry holds for repository:tag, or None when it has none.

        Asks the daemon (GET /distribution), so the daemon's registry configuration and
        credentials apply exactly as for a push or a pull.
        """
        reference = '%s:%s' % (repository, tag)

        def lookup():
            try:
                return self.api.inspect_distribution(reference, auth_config=auth)['Descriptor']['digest']
            except docker_errors.NotFound:
                return None
            except docker_errors.APIError as exc:
                text = _describe(exc)
                if 'manifest unknown' in text.lower() or 'not found' in text.lower():
                    return None
                raise
        return self._with_retries('look up %s in its registry' % reference, lookup)

    def pull(self, repository, tag, auth=None, on_line=None):
        """Pull repository:tag, or repository@tag when ``tag`` is a digest. Returns the local image
        ID after the pull. ``on_line`` gets the layer status lines (not the byte counts) for a
        live log."""
        reference = '%s%s%s' % (repository, '@' if tag.startswith('sha256:') else ':', tag)

        def attempt():
            push_stream_digest(self.api.pull(repository, tag=tag, stream=True, decode=True, auth_config=auth),
                               on_line)
            return self.image_id(reference)
        image_id = self._with_retries('pull %s' % reference, attempt)
        if not image_id:
            raise DockerError('Pulling %s finished but the daemon has no such image' % reference)
        return image_id

    def push(self, repository, tag, auth=None, on_line=None):
        """Push repository:tag. Returns the manifest digest the registry stored. ``on_line`` gets
        the layer status lines (not the byte counts) for a live log."""
        reference = '%s:%s' % (repository, tag)

        def attempt():
            return push_stream_digest(self.api.push(repository, tag=tag, stream=True, decode=True,
                                                    auth_config=auth), on_line)
        digest = self._with_retries('push %s' % reference, attempt)
        return digest or self.registry_digest(repository, tag, auth=auth)

    def _with_retries(self, what, operation):
        delay = self.retry_delay
        for attempt in range(self.retries + 1):
            try:
                return operation()
            except Exception as exc:
                message = exc.msg if isinstance(exc, DockerError) else _describe(exc)
                if attempt < self.retries and is_transient(message):
                    self._sleep(delay)
                    delay *= 2
                    continue
                raise DockerError('Cannot %s (after %d attempt(s)) on %s: %s%s'
                                  % (what, attempt + 1, self.docker_host, message,
                                     _registry_hint(message)), attempts=attempt + 1)
        raise AssertionError('unreachable')  # pragma: no cover


class BuildProgress:
    """Reads the classic builder's JSON stream: the current step, the last lines, the image ID
    (from the ``aux`` record, or the "Successfully built" line of older daemons) and the error."""

    def __init__(self, on_line=None):
        self.on_line = on_line
        self.tail = collections.deque(maxlen=LOG_TAIL_LINES)
        self.step = None
        self.image_id = None
        self.error = None

    def feed(self, chunk):
        for line in (chunk.get('stream') or '').splitlines():
            if not line.strip():
                continue
            self.tail.append(line)
            if self.on_line:
                self.on_line(line)
            if re.match(r'^Step \d+/\d+ : ', line):
                self.step = line
            match = re.match(r'^Successfully built ([0-9a-f]+)$', line)
            if match and not self.image_id:
                self.image_id = match.group(1)
        aux = chunk.get('aux')
        if isinstance(aux, dict) and aux.get('ID'):
            self.image_id = aux['ID']
        if 'error' in chunk or 'errorDetail' in chunk:
            self.error = (chunk.get('errorDetail') or {}).get('message') or chunk.get('error') or 'unknown error'

    def consume(self, stream, tag):
        """Feed a whole build stream; the first error raises BuildError with the failing step."""
        for chunk in stream:
            self.feed(chunk)
            if self.error:
                raise BuildError(
                    'Building %s failed at %s: %s' % (tag, self.step or 'the start of the build', self.error),
                    failed_step=self.step, build_log_tail=list(self.tail), error=self.error)


def _status_line(line):
    """A push or pull record as a log line; None for byte counts and records without a status."""
    if not line.get('status') or (line.get('progressDetail') or {}).get('current'):
        return None
    return '%s: %s' % (line['id'], line['status']) if line.get('id') else line['status']


def push_stream_digest(lines, on_line=None):
    """The manifest digest of a push (or pull) progress stream; the stream's error raises.

    The daemon reports the pushed digest only in an ``aux`` record (``{"Tag", "Digest", "Size"}``).
    ``on_line`` gets each status line but the byte counts, which come many times a second.
    """
    digest = None
    for line in lines:
        if line.get('error') or line.get('errorDetail'):
            raise DockerError((line.get('errorDetail') or {}).get('message') or line.get('error'))
        status_line = _status_line(line) if on_line else None
        if status_line:
            on_line(status_line)
        aux = line.get('aux')
        if isinstance(aux, dict) and aux.get('Digest'):
            digest = aux['Digest']
        status = line.get('status') or ''
        match = re.match(r'^Digest: (sha256:[0-9a-f]{64})$', status)
        if match and not digest:
            digest = match.group(1)
    return digest


def _registry_hint(message):
    lowered = message.lower()
    if 'unauthorized' in lowered or 'authentication required' in lowered or 'denied' in lowered:
        return ' (check registry_username and registry_password, or docker login on the host)'
    if 'http response to https client' in lowered:
        return (' (the registry speaks plain HTTP: use a loopback address or list it in the '
                "daemon's insecure-registries)")
    return ''


def _json_lines(result):
    """Parse the newline-separated JSON objects some endpoints answer with."""
    if isinstance(result, dict):
        return [result]
    lines = []
    for raw in (result or '').splitlines():
        raw = raw.strip()
        if raw:
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({'status': raw})
    return lines


def _describe(exc, docker_host=None):
    """A one-line description of an SDK or transport exception."""
    if HAS_DOCKER and isinstance(exc, docker_errors.APIError):
        return str(exc.explanation or exc)
    if _broken_answer(exc):
        # urllib3 says "Connection broken: IncompleteRead(0 bytes read)": the daemon went away
        # while it streamed a build, push or load (killed, restarted, out of memory).
        return ('the Docker daemon%s closed the connection in the middle of its answer: it stopped '
                'or restarted; run again once it is back' % (' at %s' % docker_host if docker_host else ''))
    if requests_errors is not None and isinstance(exc, requests_errors.ConnectionError):
        return 'connection failed (%s)' % (exc.args[0] if exc.args else exc)
    return str(exc) or exc.__class__.__name__


def _broken_answer(exc):
    """Whether ``exc`` is an answer cut short by the daemon, as urllib3 or requests report it."""
    kinds = tuple(kind for kind in (BrokenAnswer, getattr(requests_errors, 'ChunkedEncodingError', None)) if kind)
    return bool(kinds) and isinstance(exc, kinds)
