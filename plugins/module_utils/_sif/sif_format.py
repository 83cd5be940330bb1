# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SIF (Singularity Image Format) file: assembled with the reference ``siftool``, read back in
pure Python (header, descriptors, labels)."""

from __future__ import annotations

import os
import struct
import uuid

from ansible_collections.casa.distro.plugins.module_utils._files import FileFormatError, parse_json
from ansible_collections.casa.distro.plugins.module_utils._process import find_tool, run
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError


# SIF data object types as siftool numbers them (``siftool add --datatype``) and as they are
# stored in descriptors (0x4000 + n).
SIF_DEFFILE = 1
SIF_LABELS = 3
SIF_PARTITION = 4
SIF_GENERIC_JSON = 6
SIF_DATATYPE_BASE = 0x4000
SIF_PART_PRIMSYS = 2
SIF_FS_SQUASH = 1
SIF_INSPECT_METADATA = 'inspect-metadata.json'
SIF_OCI_CONFIG = 'oci-config.json'

# Docker/Go architecture names -> siftool --partarch codes.
SIF_ARCH = {
    '386': 1, 'amd64': 2, 'arm': 3, 'arm64': 4, 'ppc64': 5, 'ppc64le': 6, 'mips': 7,
    'mipsle': 8, 'mips64': 9, 'mips64le': 10, 's390x': 11, 'riscv64': 12,
}

# SIF on-disk layout (little endian, packed), for reading an existing file back.
_SIF_MAGIC = b'SIF_MAGIC\0'
_SIF_HEADER = struct.Struct('<32s10s3s3s16sqqqqqqqq')
_SIF_DESCRIPTOR = struct.Struct('<i?IIIqqqqqqq128s384s')


def _cstring(field):
    end = field.find(b'\0')
    return field if end < 0 else field[:end]


# ====================================================================== assembling
def assemble_sif(output, squashfs, arch, deffile, objects, work_dir):
    """Create the SIF ``output`` with siftool: the deffile, generic JSON ``objects`` (name ->
    bytes) and ``squashfs`` as the primary system partition of ``arch``."""
    siftool = find_tool('siftool', 'package siftool')
    if arch not in SIF_ARCH:
        raise SifError('Architecture %r of the image has no SIF code; known: %s'
                       % (arch, ', '.join(sorted(SIF_ARCH))))
    run([siftool, 'new', output], 'siftool new', output_path=output)
    deffile_path = os.path.join(work_dir, 'deffile')
    with open(deffile_path, 'w', encoding='utf-8') as handle:
        handle.write(deffile)
    run([siftool, 'add', '--datatype', str(SIF_DEFFILE), '--groupid', '1', output, deffile_path],
        'siftool add (definition file)', output_path=output)
    for name, data in objects:
        path = os.path.join(work_dir, name)
        with open(path, 'wb') as handle:
            handle.write(data)
        run([siftool, 'add', '--datatype', str(SIF_GENERIC_JSON), '--groupid', '1',
             '--filename', name, output, path], 'siftool add (%s)' % name, output_path=output)
    run([siftool, 'add', '--datatype', str(SIF_PARTITION), '--parttype', str(SIF_PART_PRIMSYS),
         '--partfs', str(SIF_FS_SQUASH), '--partarch', str(SIF_ARCH[arch]), '--groupid', '1',
         output, squashfs], 'siftool add (system partition)', output_path=output)


# Apptainer's SIFs start with this line and are executable: ``./image.sif`` runs the container.
LAUNCH_SCRIPT = b'#!/usr/bin/env run-singularity\n'
# Byte offsets of the fields seal_sif sets (the packed layouts below).
_HEADER_ID, _HEADER_TIMES = 48, 64
_DESCRIPTOR_TIMES = 41


def seal_sif(path, sif_id, epoch):
    """Make the SIF written by siftool reproducible and launchable: Apptainer's launch line, the
    global ID ``sif_id`` (a UUID string) and the time stamp ``epoch`` on the header and on every
    descriptor, where siftool puts a random ID and the current time."""
    try:
        with open(path, 'r+b') as handle:
            header = _SIF_HEADER.unpack(handle.read(_SIF_HEADER.size))
            times = struct.pack('<qq', epoch, epoch)
            handle.seek(0)
            handle.write(LAUNCH_SCRIPT.ljust(32, b'\0'))
            handle.seek(_HEADER_ID)
            handle.write(uuid.UUID(sif_id).bytes)
            handle.seek(_HEADER_TIMES)
            handle.write(times)
            dtotal, descroff = header[8], header[9]
            for index in range(dtotal):
                handle.seek(descroff + index * _SIF_DESCRIPTOR.size + _DESCRIPTOR_TIMES)
                handle.write(times)
    except (OSError, struct.error) as exc:
        raise SifError('Cannot finish the SIF %s: %s' % (path, exc))


# ====================================================================== reading
def _read_header_and_table(path, size):
    """The unpacked global header and the raw descriptor table of the SIF ``path``."""
    try:
        with open(path, 'rb') as handle:
            raw = handle.read(_SIF_HEADER.size)
            if len(raw) < _SIF_HEADER.size:
                raise SifError('%s is not a SIF file (only %d bytes)' % (path, len(raw)))
            header = _SIF_HEADER.unpack(raw)
            if header[1] != _SIF_MAGIC:
                raise SifError('%s is not a SIF file (no SIF_MAGIC in its header)' % path)
            dtotal, descroff = header[8], header[9]
            if dtotal <= 0 or dtotal > 4096 or descroff + dtotal * _SIF_DESCRIPTOR.size > size:
                raise SifError('%s is a damaged SIF file (descriptor table out of the file)' % path)
            handle.seek(descroff)
            return header, handle.read(dtotal * _SIF_DESCRIPTOR.size)
    except OSError as exc:
        raise SifError('Cannot read %s: %s' % (path, exc))


def _descriptor(path, size, fields):
    """One used descriptor as a dict; SifError when its object lies beyond the end of the file."""
    (datatype, dummy_used, ident, group, link, fileoff, filelen, dummy_storelen, dummy_ctime, dummy_mtime,
     dummy_uid, dummy_gid, name, extra) = fields
    if fileoff < 0 or filelen < 0 or fileoff + filelen > size:
        raise SifError('%s is a truncated or damaged SIF file (object %d ends at %d, the file at %d)'
                       % (path, ident, fileoff + filelen, size))
    entry = {
        'id': ident, 'datatype': datatype - SIF_DATATYPE_BASE, 'group': group, 'link': link,
        'offset': fileoff, 'size': filelen, 'name': _cstring(name).decode('utf-8', 'replace'),
    }
    if entry['datatype'] == SIF_PARTITION:
        fstype, parttype, parch = struct.unpack_from('<ii3s', extra)
        entry.update(fstype=fstype, parttype=parttype, arch=_cstring(parch).decode('ascii', 'replace'))
    return entry


def read_sif(path):
    """The global header and used descriptors of a SIF file (pure Python, no siftool).

    Raises SifError when the file is not a complete SIF: bad magic, descriptors or data objects
    beyond the end of the file (a truncated copy).
    """
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise SifError('Cannot read %s: %s' % (path, exc))
    header, table = _read_header_and_table(path, size)
    descriptors = []
    for index in range(header[8]):
        fields = _SIF_DESCRIPTOR.unpack_from(table, index * _SIF_DESCRIPTOR.size)
        if fields[1]:  # used
            descriptors.append(_descriptor(path, size, fields))
    return {
        'arch': _cstring(header[3]).decode('ascii', 'replace'),
        'id': str(uuid.UUID(bytes=header[4])),
        'version': _cstring(header[2]).decode('ascii', 'replace'),
        'descriptors': descriptors,
        'size': size,
    }


def read_sif_object(path, descriptor):
    with open(path, 'rb') as handle:
        handle.seek(descriptor['offset'])
        return handle.read(descriptor['size'])


def _labels_from_object(path, descriptor):
    """The labels held by an inspect-metadata or a JSON labels object."""
    inspect = descriptor['datatype'] == SIF_GENERIC_JSON
    what = 'inspect metadata' if inspect else 'labels'
    try:
        data = parse_json(read_sif_object(path, descriptor), '%s (%s)' % (path, what))
        if inspect:
            return data['data']['attributes'].get('labels') or {}
        return data
    except (FileFormatError, KeyError, TypeError, AttributeError) as exc:
        raise SifError('%s has unreadable %s: %s' % (path, what, exc))


def sif_labels_of(path):
    """The labels recorded in a SIF's inspect metadata (or JSON labels object)."""
    info = read_sif(path)
    if not any(d['datatype'] == SIF_PARTITION for d in info['descriptors']):
        raise SifError('%s has no filesystem partition: not a usable SIF' % path)
    for descriptor in info['descriptors']:
        if descriptor['datatype'] == SIF_GENERIC_JSON and descriptor['name'] == SIF_INSPECT_METADATA:
            return _labels_from_object(path, descriptor)
        if descriptor['datatype'] == SIF_LABELS:
            return _labels_from_object(path, descriptor)
    return {}
