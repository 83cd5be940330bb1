# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures shared by the tests of module_utils/_sif: small SIF files written in pure Python,
a fake Docker client and the converter's parameters."""

from __future__ import annotations

import os
import struct
import sys
import uuid

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import sif_format

PARTITION_EXTRA = struct.pack('<ii3s', 1, 2, b'02\0')


def sif_bytes(objects, dtotal=48):
    """A minimal SIF (layout of the sif v2 spec): objects are (datatype, name, data, extra)."""
    descroff = 4096
    dataoff = descroff + dtotal * sif_format._SIF_DESCRIPTOR.size
    body = b''
    descriptors = b''
    for index, (datatype, name, data, extra) in enumerate(objects):
        offset = dataoff + len(body)
        body += data
        descriptors += sif_format._SIF_DESCRIPTOR.pack(
            sif_format.SIF_DATATYPE_BASE + datatype, True, index + 1, 0xf0000001, 0, offset, len(data), len(data),
            0, 0, 0, 0, name.encode().ljust(128, b'\0'), extra.ljust(384, b'\0'))
    descriptors = descriptors.ljust(dtotal * sif_format._SIF_DESCRIPTOR.size, b'\0')
    header = sif_format._SIF_HEADER.pack(b'#!/usr/bin/env run-singularity\n'.ljust(32, b'\0'), b'SIF_MAGIC\0', b'01\0',
                                         b'02\0', uuid.uuid4().bytes, 0, 0, dtotal - len(objects), dtotal,
                                         descroff, len(objects) * sif_format._SIF_DESCRIPTOR.size, dataoff, len(body))
    return header.ljust(descroff, b'\0') + descriptors + body


def write_sif_file(path, objects, truncate=None):
    data = sif_bytes(objects)
    if truncate:
        data = data[:truncate]
    path.write_bytes(data)


@pytest.fixture
def write_sif():
    """write_sif(path, objects, truncate=None): a SIF file holding ``objects``."""
    return write_sif_file


@pytest.fixture
def sif_content():
    """sif_content(payload): the bytes of a valid SIF whose system partition is ``payload``."""
    return lambda payload: sif_bytes([(sif_format.SIF_PARTITION, 'rootfs', payload, PARTITION_EXTRA)], dtotal=4)


class FakeClient:
    """Stands in for _docker.DockerClient: the converter's decisions need only inspect_image."""

    docker_host = 'unix:///fake.sock'

    def __init__(self, images):
        self.images = images

    def inspect_image(self, reference):
        return self.images.get(reference)

    def image_id(self, reference):
        info = self.images.get(reference)
        return info['Id'] if info else None

    def saved_image(self, reference, chunk_size=1 << 20):
        return [b'docker-archive of ' + reference.encode()]


@pytest.fixture
def fake_client():
    """fake_client(images): a FakeClient knowing ``images`` (reference -> inspect data)."""
    return FakeClient


def make_converter_params(dest, **extra):
    params = {'image': 'casa/x:1', 'archive': None, 'pull': False, 'dest': str(dest), 'backend': 'native',
              'compression': 'gzip', 'jobs': None, 'dockerfile': None, 'force': False, 'metadata': {},
              'v2_files': False, 'registry_username': None, 'registry_password': None}
    params.update(extra)
    return params


@pytest.fixture
def converter_params():
    """converter_params(dest, **extra): the module parameters of a state=present task."""
    return make_converter_params


FAKE_APPTAINER = r'''#!%(python)s
# A stand-in for "apptainer build [options] OUT.sif RECIPE": writes a SIF whose inspect metadata
# holds the recipe's %%labels, or fails when FAKE_APPTAINER_FAIL is set.
import json, os, struct, sys, uuid
if os.environ.get('FAKE_APPTAINER_FAIL'):
    print('FATAL: fake build failure')
    sys.exit(3)
out, recipe = sys.argv[-2], sys.argv[-1]
with open(os.path.join(os.path.dirname(recipe), 'argv.json'), 'w') as handle:
    json.dump(sys.argv[1:], handle)
if os.environ.get('FAKE_APPTAINER_NO_OUTPUT'):
    print('INFO: nothing written')
    sys.exit(0)
labels = {'org.label-schema.usage.apptainer.version': 'fake'}
section = None
for line in open(recipe):
    if line.startswith('%%'):
        section = line.strip()
    elif section == '%%labels' and line.strip():
        key, value = line.strip().split(' ', 1)
        labels[key] = value
meta = json.dumps({'data': {'attributes': {'labels': labels}}, 'type': 'container'}).encode()
objects = [(0x4006, b'inspect-metadata.json', meta, b''),
           (0x4004, b'rootfs', bytes(64), struct.pack('<ii3s', 1, 2, b'02\0'))]
desc = struct.Struct(%(desc)r)
head = struct.Struct(%(head)r)
dataoff = 4096 + 48 * desc.size
body = b''
table = b''
for index, (datatype, name, data, extra) in enumerate(objects):
    table += desc.pack(datatype, True, index + 1, 0, 0, dataoff + len(body), len(data), len(data), 0, 0, 0, 0,
                       name.ljust(128, b'\0'), extra.ljust(384, b'\0'))
    body += data
header = head.pack(b'#!'.ljust(32, b'\0'), b'SIF_MAGIC\0', b'01\0', b'02\0', uuid.uuid4().bytes, 0, 0, 46, 48,
                   4096, len(table), dataoff, len(body))
with open(out, 'wb') as handle:
    handle.write(header.ljust(4096, b'\0') + table.ljust(48 * desc.size, b'\0') + body)
print('INFO: Build complete: ' + out)
'''


def install_fake_apptainer(tmp_path, monkeypatch):
    """A stand-in apptainer first on PATH."""
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    fake = bindir / 'apptainer'
    fake.write_text(FAKE_APPTAINER % {'python': sys.executable, 'desc': sif_format._SIF_DESCRIPTOR.format,
                                      'head': sif_format._SIF_HEADER.format})
    fake.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ.get('PATH', '/usr/bin:/bin')))
    return fake


@pytest.fixture
def fake_apptainer(tmp_path, monkeypatch):
    return install_fake_apptainer(tmp_path, monkeypatch)
