# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the checksum manifest of mirrored build workflows on the publish host.

Usage: python3 write_manifest.py [--check] [--would-change WORKFLOW]... ROOT WORKFLOW...
For each WORKFLOW (<distro>/<branch>_<system>) under ROOT, the manifest
ROOT/<distro>/<branch>_<system>.sha256 lists the sha256 of every regular file of the workflow,
in sha256sum format with paths relative to ROOT/<distro>, so that
``cd ROOT/<distro> && sha256sum -c <branch>_<system>.sha256`` checks the mirror. It sits beside
the workflow directory, not in it, so that the mirror's deletions never touch it.
A manifest is rewritten only when its content changes, through a hidden temporary file renamed
over it (readers see the old or the new manifest, never a half-written one). With --check
nothing is written; a workflow named by --would-change is reported as changing (its files are
about to change). Prints {"changed": bool, "manifests": [...]}.
"""

import hashlib
import json
import os
import sys

CHUNK = 1024 * 1024


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_line(digest, name):
    """One line as sha256sum writes it, escaping backslashes and newlines in the name."""
    if b'\\' in name or b'\n' in name:
        name = name.replace(b'\\', b'\\\\').replace(b'\n', b'\\n')
        return b'\\' + digest.encode('ascii') + b'  ' + name + b'\n'
    return digest.encode('ascii') + b'  ' + name + b'\n'


def manifest_of(distro_dir, workflow_name):
    """The manifest content of one workflow and its number of files (symlinks are not hashed)."""
    top = os.path.join(distro_dir, workflow_name).encode('utf-8', 'surrogateescape')
    base = distro_dir.encode('utf-8', 'surrogateescape')
    entries = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for filename in filenames:
            path = os.path.join(dirpath, filename)
            if os.path.isfile(path) and not os.path.islink(path):
                entries.append((os.path.relpath(path, base), file_sha256(path)))
    entries.sort()
    return b''.join(manifest_line(digest, name) for name, digest in entries), len(entries)


def read_existing(path):
    try:
        with open(path, 'rb') as stream:
            return stream.read()
    except FileNotFoundError:
        return None


def write_atomically(path, content):
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, '.%s.%d.tmp' % (name, os.getpid()))
    try:
        with open(temporary, 'wb') as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def update(root, workflow, check, would_change):
    distro, workflow_name = workflow.split('/', 1)
    distro_dir = os.path.join(root, distro)
    path = os.path.join(distro_dir, workflow_name + '.sha256')
    if not os.path.isdir(os.path.join(distro_dir, workflow_name)):
        if check:
            return {'workflow': workflow, 'path': path, 'files': None, 'changed': True}
        raise ValueError('%s: the mirrored workflow is missing on the publish host' % os.path.join(distro_dir, workflow_name))
    content, count = manifest_of(distro_dir, workflow_name)
    changed = content != read_existing(path) or (check and workflow in would_change)
    if changed and not check:
        write_atomically(path, content)
    return {'workflow': workflow, 'path': path, 'files': count, 'changed': changed}


def parse(argv):
    check, would_change, positional = False, set(), []
    args = iter(argv)
    for arg in args:
        if arg == '--check':
            check = True
        elif arg == '--would-change':
            would_change.add(next(args))
        else:
            positional.append(arg)
    if len(positional) < 2 or any(w.count('/') != 1 or '..' in w.split('/') for w in positional[1:]):
        raise ValueError(__doc__)
    return check, would_change, positional[0], positional[1:]


def main(argv):
    try:
        check, would_change, root, workflows = parse(argv[1:])
        manifests = [update(root, workflow, check, would_change) for workflow in workflows]
    except (ValueError, OSError, StopIteration) as exc:
        sys.stderr.write('%s\n' % exc)
        return 1
    result = {'changed': any(m['changed'] for m in manifests), 'manifests': manifests}
    sys.stdout.write(json.dumps(result) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
