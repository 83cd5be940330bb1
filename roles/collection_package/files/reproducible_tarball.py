# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rewrites a collection tarball built by ansible-galaxy so that the same sources give the same bytes.

Usage: python3 reproducible_tarball.py TARBALL EPOCH
ansible-galaxy stamps MANIFEST.json and FILES.json with the build time, lists files in directory
order and gzip records the time: two builds of the same sources differ, and a published version
could not be told apart from a changed one. This keeps every member and its content, sorts the
members and FILES.json by name (updating MANIFEST.json's checksum of FILES.json), sets every
mtime to EPOCH and the gzip header time to 0, then replaces TARBALL atomically.
Prints {"path", "filename", "sha256", "namespace", "name", "version"}.
"""

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

FIRST = ('MANIFEST.json', 'FILES.json')


def read_members(path):
    """(TarInfo, content bytes or None) of every member, by name."""
    members = {}
    with tarfile.open(path, mode='r:gz') as tar:
        for info in tar.getmembers():
            content = tar.extractfile(info).read() if info.isfile() else None
            members[info.name] = (info, content)
    return members


def normalize_manifests(members):
    """FILES.json sorted by name, MANIFEST.json pointing at its new checksum; returns MANIFEST's data."""
    files_info, files_json = members['FILES.json']
    files = json.loads(files_json)
    files['files'] = sorted(files['files'], key=lambda entry: entry['name'])
    files_json = json.dumps(files, indent=True).encode('utf-8')
    manifest_info, manifest_json = members['MANIFEST.json']
    manifest = json.loads(manifest_json)
    manifest['file_manifest_file']['chksum_sha256'] = hashlib.sha256(files_json).hexdigest()
    members['FILES.json'] = (files_info, files_json)
    members['MANIFEST.json'] = (manifest_info, json.dumps(manifest, indent=True).encode('utf-8'))
    return manifest['collection_info']


def write_tarball(members, path, epoch):
    names = [name for name in FIRST if name in members] + sorted(name for name in members if name not in FIRST)
    temporary = os.path.join(os.path.dirname(path), '.%s.%d.tmp' % (os.path.basename(path), os.getpid()))
    try:
        with open(temporary, 'wb') as raw:
            with gzip.GzipFile(filename='', mode='wb', fileobj=raw, mtime=0) as zipped:
                with tarfile.open(fileobj=zipped, mode='w', format=tarfile.PAX_FORMAT) as tar:
                    for name in names:
                        info, content = members[name]
                        info.mtime = epoch
                        info.uid = info.gid = 0
                        info.uname = info.gname = ''
                        info.pax_headers = {}
                        if content is None:
                            tar.addfile(info)
                        else:
                            info.size = len(content)
                            tar.addfile(info, io.BytesIO(content))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b''):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    path, epoch = argv[1], int(argv[2])
    try:
        members = read_members(path)
        info = normalize_manifests(members)
        write_tarball(members, path, epoch)
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        sys.stderr.write('%s: not a collection tarball ansible-galaxy built: %s\n' % (path, exc))
        return 1
    result = {'path': path, 'filename': os.path.basename(path), 'sha256': sha256_of(path),
              'namespace': info['namespace'], 'name': info['name'], 'version': info['version']}
    sys.stdout.write(json.dumps(result) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
