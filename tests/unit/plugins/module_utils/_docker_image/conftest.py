# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fake Docker daemon and registry for the image manager's tests."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _docker
from ansible_collections.casa.distro.tests.unit.utils.files import write


class FakeDockerClient:
    """Stands for _docker.DockerClient: local images by reference and ID, a registry of
    manifests, and a record of every build, pull and push."""

    docker_host = 'unix:///fake/docker.sock'

    def __init__(self):
        self.local = {}       # reference -> image ID
        self.infos = {}       # image ID -> inspect dict
        self.registry = {}    # reference -> (digest, image ID)
        self.builds = []
        self.pushes = []
        self.pulls = []
        self.fail_build = None
        self.imports = []
        self.container_images = set()  # image IDs that containers use

    # helpers of the tests
    def add_image(self, reference, labels=None):
        image_id = 'sha256:' + hashlib.sha256(('%s%d' % (reference, len(self.infos))).encode()).hexdigest()
        self.infos[image_id] = {'Id': image_id, 'Config': {'Labels': dict(labels or {})}, 'RepoDigests': [], 'Size': 1}
        self.local[reference] = image_id
        return image_id

    # the DockerClient methods the manager uses
    def inspect_image(self, reference):
        image_id = self.local.get(reference, reference)
        return self.infos.get(image_id)

    def image_id(self, reference):
        info = self.inspect_image(reference)
        return info['Id'] if info else None

    def tag(self, image_id, repository, tag):
        self.local['%s:%s' % (repository, tag)] = image_id

    def remove_image(self, reference):
        """Untag, deleting the image with its last tag, or delete an untagged image by ID."""
        if reference in self.local:
            image_id = self.local.pop(reference)
            if image_id not in self.local.values():
                self.infos.pop(image_id, None)
            return True
        return self.infos.pop(reference, None) is not None

    def list_images(self, all_layers=False):
        tags = {}
        for reference, image_id in self.local.items():
            tags.setdefault(image_id, []).append(reference)
        return [{'Id': image_id, 'ParentId': '', 'RepoTags': sorted(tags.get(image_id, [])) or ['<none>:<none>'],
                 'Labels': dict(info['Config']['Labels']), 'Size': info.get('Size', 1)}
                for image_id, info in self.infos.items()]

    def container_image_ids(self):
        return set(self.container_images)

    def build(self, context_dir, tag, dockerfile='Dockerfile', buildargs=None, labels=None, target=None,
              network_mode=None, pull=False, nocache=False, on_line=None, context_paths=None):
        assert os.path.isfile(os.path.join(context_dir, dockerfile))
        if self.fail_build and self.fail_build in tag:
            raise _docker.BuildError('Building %s failed at Step 2/2 : RUN false: returned a non-zero code: 1' % tag,
                                     failed_step='Step 2/2 : RUN false', build_log_tail=['Step 2/2 : RUN false'])
        if on_line:
            on_line('Step 1/1 : building %s' % tag)
        self.builds.append(dict(tag=tag, buildargs=dict(buildargs or {}), context_paths=list(context_paths or []),
                                network_mode=network_mode, nocache=nocache, target=target))
        return self.add_image(tag, labels), []

    def import_rootfs(self, tar_stream, repository, tag, changes):
        data = b''
        while True:
            block = tar_stream.read(1 << 16)
            if not block:
                break
            data += block
        self.imports.append(dict(reference='%s:%s' % (repository, tag), size=len(data), changes=list(changes)))
        label = changes[0][len('LABEL '):].split(' ')[0].split('=', 1)
        return self.add_image('%s:%s' % (repository, tag), {label[0]: json.loads(label[1])})

    def registry_digest(self, repository, tag, auth=None):
        entry = self.registry.get('%s:%s' % (repository, tag))
        return entry[0] if entry else None

    def push(self, repository, tag, auth=None, on_line=None):
        reference = '%s:%s' % (repository, tag)
        image_id = self.local[reference]
        digest = 'sha256:' + hashlib.sha256(image_id.encode()).hexdigest()
        self.registry[reference] = (digest, image_id)
        self.infos[image_id]['RepoDigests'].append('%s@%s' % (repository, digest))
        self.pushes.append((reference, auth))
        if on_line:
            on_line('%s: Pushed' % image_id[7:19])
        return digest

    def pull(self, repository, tag, auth=None, on_line=None):
        reference = '%s:%s' % (repository, tag)
        if reference not in self.registry:
            raise _docker.DockerError('Cannot pull %s (after 1 attempt(s)) on %s: manifest unknown' % (reference, self.docker_host))
        digest, image_id = self.registry[reference]
        self.infos.setdefault(image_id, {'Id': image_id, 'Config': {'Labels': {}}, 'RepoDigests': []})
        if '%s@%s' % (repository, digest) not in self.infos[image_id]['RepoDigests']:
            self.infos[image_id]['RepoDigests'].append('%s@%s' % (repository, digest))
        self.local[reference] = image_id
        self.pulls.append(reference)
        return image_id


@pytest.fixture
def client():
    return FakeDockerClient()


@pytest.fixture
def family(tmp_path):
    """A recipe tree: run (FROM a base), dev (declared dependency on run), tool (FROM run)."""
    root = tmp_path / 'recipes'
    write(str(root / 'run' / 'casa_distro_docker.yaml'), 'image_sources: [{name: run, tags: ["1", latest]}]\n')
    write(str(root / 'run' / 'Dockerfile.template'), 'FROM base/debian:12\nLABEL v=%(casa_version)s\n')
    write(str(root / 'run' / 'script.sh'), 'echo run\n', 0o755)
    write(str(root / 'dev' / 'casa_distro_docker.yaml'), 'dependencies: [../run]\nimage_sources: [{name: dev, tags: ["1"]}]\n')
    write(str(root / 'dev' / 'Dockerfile'), 'FROM reg/run:1\n')
    write(str(root / 'tool' / 'casa_distro_docker.yaml'), 'image_sources: [{name: tool, tags: ["1"]}]\n')
    write(str(root / 'tool' / 'Dockerfile'), 'ARG PREFIX=reg/\nFROM ${PREFIX}run:1\nCOPY . /tool\n')
    return root
