# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker image -> SIF (Singularity Image Format) conversion: what casa_singularity_image does
for ``state=present`` (casa-distro's ``create_singularity``).

Private to the collection: no stability promise.

Two back ends:

``native``
    Streams the flattened filesystem of the image (``docker create`` + ``export`` through the
    shared Docker client) into ``tar2sqfs`` on all cores, adding on the way the
    ``/.singularity.d`` tree that Apptainer's own OCI build writes (action scripts, environment
    scripts, the runscript made from ENTRYPOINT and CMD, labels.json, the definition file), then
    assembles the SIF with the reference ``siftool``: definition file, the inspect metadata and
    OCI config JSON objects, and the squashfs as primary system partition with its architecture.
    Neither Apptainer nor Singularity is needed.

``apptainer`` / ``singularity``
    ``docker save`` into a temporary docker-archive and ``<tool> build`` from a definition file
    (run through spython's command streamer).

Whatever the back end, the SIF is written in a temporary directory beside the destination and
renamed into place, the source image ID is recorded in the SIF (labels of its inspect metadata)
and in the side file ``<sif>.json``, and a second run with the same source image is a no-op.
"""

from __future__ import annotations

import datetime
import errno
import io
import json
import os
import re
import shutil
import struct
import subprocess
import tarfile
import tempfile
import time
import uuid

from ansible_collections.casa.distro.plugins.module_utils._docker import split_reference
from ansible_collections.casa.distro.plugins.module_utils._files import PUBLIC_MODE, atomic_write, file_digests

try:
    from spython.main.parse.parsers import DockerParser
    from spython.main.parse.writers import SingularityWriter
    from spython.utils import terminal as spython_terminal
    HAS_SPYTHON = True
    SPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - optional; only the apptainer back end and Dockerfile conversion need it
    HAS_SPYTHON = False
    SPYTHON_IMPORT_ERROR = exc


COMPRESSIONS = ('gzip', 'zstd', 'lz4', 'xz')
BACKENDS = ('auto', 'native', 'apptainer', 'singularity')
CHUNK = 1 << 20

# Labels this collection records in the SIF (and its side file) to decide idempotence.
LABEL_SOURCE_ID = 'io.casa-distro.source-image-id'
LABEL_SOURCE_REF = 'io.casa-distro.source-reference'
LABEL_SOURCE_DIGEST = 'io.casa-distro.source-digest'
LABEL_COMPRESSION = 'io.casa-distro.sif.compression'
LABEL_BACKEND = 'io.casa-distro.sif.backend'
LABEL_SIF_IMAGE_ID = 'io.casa-distro.image-id'

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


class SifError(Exception):
    """A conversion failed. ``details`` is merged into the module's failure result."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


# ====================================================================== shell quoting
def single_quoted(text):
    """``text`` as one single-quoted shell word."""
    return "'" + text.replace("'", "'\"'\"'") + "'"


def double_quote_escaped(text):
    """``text`` escaped for use between double quotes in a POSIX shell."""
    return re.sub(r'([\\"$`])', r'\\\1', text)


def quoted_words(args):
    """A list of arguments as a string of double-quoted, escaped shell words.

    This is the form Apptainer stores ENTRYPOINT and CMD in (``OCI_ENTRYPOINT``/``OCI_CMD``):
    evaluating ``set -- $WORDS`` gives the arguments back unchanged.
    """
    return ' '.join('"%s"' % double_quote_escaped(arg) for arg in args)


# ====================================================================== /.singularity.d
_SOURCE_ENV = '''for script in /.singularity.d/env/*.sh; do
    if [ -f "$script" ]; then
        . "$script"
    fi
done
'''

_HEADER = '#!/bin/sh\n# Written by casa.distro (casa_singularity_image), following the layout of Apptainer.\n'


def _app_dispatch(kind, fallback):
    """The SCIF app selection shared by the run and test actions."""
    return '''
app="${APPTAINER_APPNAME:-${SINGULARITY_APPNAME:-}}"
if [ -n "$app" ]; then
    for candidate in "/scif/apps/$app/scif/%(kind)s" "/scif/apps/singularity/scif/%(kind)s"; do
        if [ -x "$candidate" ]; then
            exec "$candidate" "$@"
        fi
    done
    echo "No %(kind)s for contained app: $app"
    exit 1
fi
if [ -x "/.singularity.d/%(kind)s" ]; then
    exec "/.singularity.d/%(kind)s" "$@"
fi
%(fallback)s
''' % {'kind': kind, 'fallback': fallback}


def action_scripts():
    """Contents of ``/.singularity.d/actions/*``: what ``apptainer exec|run|shell|start|test``
    runs inside the container (each sources the environment scripts first)."""
    return {
        'exec': _HEADER + '\n' + _SOURCE_ENV + '\nexec "$@"\n',
        'run': _HEADER + '\n' + _SOURCE_ENV + _app_dispatch(
            'runscript', 'echo "No runscript found in the container, executing /bin/sh"\nexec /bin/sh "$@"'),
        'shell': _HEADER + '\n' + _SOURCE_ENV + '''
shell="${APPTAINER_SHELL:-${SINGULARITY_SHELL:-}}"
if [ -n "$shell" ] && [ -x "$shell" ]; then
    exec "$shell" "$@"
elif [ -x /bin/bash ]; then
    SHELL=/bin/bash
    PS1="Apptainer ${APPTAINER_NAME:-}:\\w> "
    export SHELL PS1
    exec /bin/bash --norc "$@"
elif [ -x /bin/sh ]; then
    SHELL=/bin/sh
    export SHELL
    exec /bin/sh "$@"
fi
echo "ERROR: no shell in the container (/bin/sh is missing)" 1>&2
exit 1
''',
        'start': _HEADER + '''
# An instance waits for this signal before it goes on: keep it.
kill -CONT 1

''' + _SOURCE_ENV + '''
if [ -x /.singularity.d/startscript ]; then
    exec /.singularity.d/startscript
fi
''',
        'test': _HEADER + '\n' + _SOURCE_ENV + _app_dispatch(
            'test', 'echo "No test found in the container, executing /bin/sh -c true"\nexec /bin/sh -c true'),
    }


def base_env_scripts():
    """The environment scripts every Apptainer image has (``/.singularity.d/env``), except the
    image's own ENV (see docker_env_script)."""
    return {
        '01-base.sh': _HEADER,
        '90-environment.sh': _HEADER + '# Custom environment shell code should follow\n',
        '94-appsbase.sh': '',
        '95-apps.sh': _HEADER + '''
app="${APPTAINER_APPNAME:-${SINGULARITY_APPNAME:-}}"
if [ -n "$app" ]; then
    if [ -d "/scif/apps/$app/" ]; then
        SCIF_APPS=/scif/apps
        SCIF_APPROOT="/scif/apps/$app"
        export SCIF_APPS SCIF_APPROOT
        PATH="/scif/apps/$app:/scif/apps/singularity:$PATH"
        if [ -d "/scif/apps/$app/bin" ]; then
            PATH="/scif/apps/$app/bin:$PATH"
        fi
        if [ -d "/scif/apps/$app/lib" ]; then
            LD_LIBRARY_PATH="/scif/apps/$app/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
            export LD_LIBRARY_PATH
        fi
        for part in 01-base.sh 90-environment.sh; do
            if [ -f "/scif/apps/$app/scif/env/$part" ]; then
                . "/scif/apps/$app/scif/env/$part"
            fi
        done
        export PATH
    else
        echo "Could not locate the container application: $app"
        exit 1
    fi
fi
''',
        '99-base.sh': _HEADER + '''
if [ -z "${LD_LIBRARY_PATH:-}" ]; then
    LD_LIBRARY_PATH=/.singularity.d/libs
else
    LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/.singularity.d/libs"
fi
if [ -z "${PS1:-}" ]; then
    PS1="Apptainer> "
fi
export LD_LIBRARY_PATH PS1
''',
        '99-runtimevars.sh': _HEADER + '''
# PATH changes asked for on the command line (--env PATH=..., APPTAINERENV_PREPEND_PATH, ...)
# apply after the image's own environment.
if [ -n "${SING_USER_DEFINED_PREPEND_PATH:-}" ]; then
    PATH="${SING_USER_DEFINED_PREPEND_PATH}:${PATH}"
fi
if [ -n "${SING_USER_DEFINED_APPEND_PATH:-}" ]; then
    PATH="${PATH}:${SING_USER_DEFINED_APPEND_PATH}"
fi
if [ -n "${SING_USER_DEFINED_PATH:-}" ]; then
    PATH="${SING_USER_DEFINED_PATH}"
fi
unset SING_USER_DEFINED_PREPEND_PATH SING_USER_DEFINED_APPEND_PATH SING_USER_DEFINED_PATH
export PATH
''',
    }


_ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def docker_env_script(env):
    """``/.singularity.d/env/10-docker2singularity.sh`` from the image's ``Config.Env`` list.

    As Apptainer does: PATH is set from the image; every other variable keeps a value the caller
    already has (``${VAR:-image value}``); a variable without a value is exported as is.
    Entries whose name is not a shell variable name are skipped (a shell could not export them).
    """
    lines = ['#!/bin/sh']
    for entry in env or []:
        name, sep, value = entry.partition('=')
        if not _ENV_NAME.match(name):
            continue
        if not sep:
            lines.append('export %s="${%s:-}"' % (name, name))
        elif name == 'PATH':
            lines.append('export PATH="%s"' % double_quote_escaped(value))
        else:
            lines.append('export %s="${%s:-"%s"}"' % (name, name, double_quote_escaped(value)))
    return '\n'.join(lines) + '\n'


def oci_runscript(entrypoint, cmd):
    """``/.singularity.d/runscript`` running ENTRYPOINT and CMD like Apptainer's OCI build.

    ``apptainer run IMAGE`` runs ENTRYPOINT followed by CMD; arguments given to ``run`` replace
    CMD. By default the words go through the shell once (``eval``), as Apptainer does; with
    APPTAINER_NO_EVAL/SINGULARITY_NO_EVAL set they are passed on untouched, as Docker does.
    """
    entrypoint = list(entrypoint or [])
    cmd = list(cmd or [])
    lines = [
        '#!/bin/sh',
        '# Runs the ENTRYPOINT and CMD of the Docker image this SIF was converted from.',
        'OCI_ENTRYPOINT=%s' % single_quoted(quoted_words(entrypoint)),
        'OCI_CMD=%s' % single_quoted(quoted_words(cmd)),
        '',
        'if [ -n "${APPTAINER_NO_EVAL:-${SINGULARITY_NO_EVAL:-}}" ]; then',
        '    # Docker semantics: no shell evaluation; arguments replace CMD.',
    ]
    if cmd:
        lines.append('    if [ $# -eq 0 ]; then')
        lines += ['        set -- %s "$@"' % single_quoted(arg) for arg in reversed(cmd)]
        lines.append('    fi')
    lines += ['    set -- %s "$@"' % single_quoted(arg) for arg in reversed(entrypoint)]
    lines += [
        '    exec "$@"',
        'fi',
        '',
        '# Apptainer semantics: the words (with the arguments, double-quoted) go through the shell once.',
        'CMDLINE_ARGS=""',
        'for arg in "$@"; do',
        '    CMDLINE_ARGS="${CMDLINE_ARGS} \\"$arg\\""',
        'done',
        'if [ $# -gt 0 ]; then',
        '    OCI_RUN="${OCI_ENTRYPOINT} ${CMDLINE_ARGS}"',
        'else',
        '    OCI_RUN="${OCI_ENTRYPOINT} ${OCI_CMD}"',
        'fi',
        'eval "set -- ${OCI_RUN}"',
        'if [ $# -eq 0 ]; then',
        '    echo "This image has neither ENTRYPOINT nor CMD: give a command to run" 1>&2',
        '    exit 1',
        'fi',
        'exec "$@"',
    ]
    return '\n'.join(lines) + '\n'


def build_date(now=None):
    """The ``org.label-schema.build-date`` format Apptainer uses."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime('%A_%d_%B_%Y_%H:%M:%S_UTC')


def sif_labels(image_labels, arch, deffile_from, source, compression, backend, sif_image_id, now=None):
    """Labels of the SIF: the image's own, Apptainer's ``org.label-schema.*`` and ours.

    ``source`` is a dict with ``image_id``, ``reference`` and ``digest``.
    """
    labels = dict(image_labels or {})
    labels.update({
        'org.label-schema.build-arch': arch,
        'org.label-schema.build-date': build_date(now),
        'org.label-schema.schema-version': '1.0',
        'org.label-schema.usage.singularity.deffile.bootstrap': 'docker-daemon',
        'org.label-schema.usage.singularity.deffile.from': deffile_from,
        LABEL_SOURCE_ID: source.get('image_id') or '',
        LABEL_SOURCE_REF: source.get('reference') or '',
        LABEL_SOURCE_DIGEST: source.get('digest') or '',
        LABEL_COMPRESSION: compression,
        LABEL_BACKEND: backend,
        LABEL_SIF_IMAGE_ID: sif_image_id,
    })
    return labels


def labels_json(labels):
    """labels.json as Apptainer writes it (sorted keys, tab indented)."""
    return json.dumps(labels, indent='\t', sort_keys=True)


def inspect_metadata(labels, deffile, runscript, env_scripts, startscript):
    """The ``inspect-metadata.json`` SIF object ``apptainer inspect`` reads."""
    return {
        'data': {
            'attributes': {
                'labels': labels,
                'deffile': deffile.rstrip('\n'),
                'runscript': runscript.rstrip('\n'),
                'startscript': startscript.rstrip('\n'),
                'environment': dict((path, text.rstrip('\n')) for path, text in env_scripts.items()),
            },
        },
        'type': 'container',
    }


def default_deffile(reference):
    """A definition file that rebuilds the SIF from the same Docker image."""
    return 'bootstrap: docker-daemon\nfrom: %s\n' % reference


def dockerfile_deffile(dockerfile, reference):
    """A Singularity definition file converted from a Dockerfile with spython.

    The header is pointed at the built image, so that the definition reproduces it.
    """
    if not HAS_SPYTHON:
        raise SifError('Converting %s to a definition file needs spython (pip install spython): %s'
                       % (dockerfile, SPYTHON_IMPORT_ERROR))
    try:
        parser = DockerParser(dockerfile)  # parses on construction
        text = SingularityWriter(parser.recipe).convert()
    except SystemExit as exc:  # spython's logger exits on unreadable input
        raise SifError('spython could not convert %s to a Singularity definition file (%s)'
                       % (dockerfile, exc))
    except Exception as exc:
        raise SifError('spython could not convert %s to a Singularity definition file: %s'
                       % (dockerfile, exc))
    return ('# Converted by spython from %s; built from the Docker image %s\n%s'
            % (os.path.basename(dockerfile), reference, text))


def singularity_d_entries(config, labels_text, deffile):
    """The files, directories and symlinks added to the image filesystem, as
    (name, kind, mode, payload) tuples: kind is 'dir', 'file' or 'symlink'.

    Base directories (dev, proc, ...) and root symlinks are only added when the image lacks them,
    which the caller decides (see OPTIONAL_ENTRIES).
    """
    entries = [
        ('.singularity.d', 'dir', 0o755, None),
        ('.singularity.d/libs', 'dir', 0o755, None),
        ('.singularity.d/actions', 'dir', 0o755, None),
        ('.singularity.d/env', 'dir', 0o755, None),
    ]
    for name, text in sorted(action_scripts().items()):
        entries.append(('.singularity.d/actions/' + name, 'file', 0o755, text))
    env_scripts = base_env_scripts()
    env_scripts['10-docker2singularity.sh'] = docker_env_script(config.get('Env'))
    for name, text in sorted(env_scripts.items()):
        entries.append(('.singularity.d/env/' + name, 'file', 0o755, text))
    entries += [
        ('.singularity.d/runscript', 'file', 0o755, oci_runscript(config.get('Entrypoint'), config.get('Cmd'))),
        ('.singularity.d/startscript', 'file', 0o755, _HEADER),
        ('.singularity.d/labels.json', 'file', 0o644, labels_text),
        ('.singularity.d/Singularity', 'file', 0o644, deffile),
        # Apptainer empties these: the runtime binds the host's.
        ('etc/hosts', 'file', 0o644, ''),
        ('etc/resolv.conf', 'file', 0o644, ''),
    ]
    return entries


# Added only when the image has no such path.
OPTIONAL_ENTRIES = [
    ('dev', 'dir', 0o755, None),
    ('proc', 'dir', 0o755, None),
    ('sys', 'dir', 0o755, None),
    ('root', 'dir', 0o700, None),
    ('home', 'dir', 0o755, None),
    ('tmp', 'dir', 0o1777, None),
    ('etc', 'dir', 0o755, None),
    ('var', 'dir', 0o755, None),
    ('var/tmp', 'dir', 0o1777, None),
    ('singularity', 'symlink', 0o777, '.singularity.d/runscript'),
    ('.run', 'symlink', 0o777, '.singularity.d/actions/run'),
    ('.exec', 'symlink', 0o777, '.singularity.d/actions/exec'),
    ('.test', 'symlink', 0o777, '.singularity.d/actions/test'),
    ('.shell', 'symlink', 0o777, '.singularity.d/actions/shell'),
    ('environment', 'symlink', 0o777, '.singularity.d/env/90-environment.sh'),
]


def is_replaced(name):
    """Whether a member of the exported filesystem is dropped because we write our own."""
    return (name == '.dockerenv' or name == '.singularity.d' or name.startswith('.singularity.d/')
            or name in ('etc/hosts', 'etc/resolv.conf'))


def tail_tar(entries, present, mtime):
    """The tar bytes appended to the export stream: ``entries`` plus the OPTIONAL_ENTRIES
    missing from ``present`` (a NameIndex), then the end-of-archive blocks."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
        optional = [entry for entry in OPTIONAL_ENTRIES if not present.has(entry[0])]
        # Parents before children, and the fixed entries after the optional directories.
        for name, kind, mode, payload in optional + list(entries):
            info = tarfile.TarInfo(name)
            info.mode = mode
            info.mtime = mtime
            info.uid = info.gid = 0
            info.uname = info.gname = 'root'
            if kind == 'dir':
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == 'symlink':
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                tar.addfile(info)
            else:
                data = payload.encode('utf-8')
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# ====================================================================== tar stream filter
class TarStreamError(SifError):
    pass


class NameIndex:
    """The member names seen in a tar stream, and their parent directories."""

    def __init__(self):
        self.names = set()

    def add(self, name):
        self.names.add(name)

    def has(self, name):
        if name in self.names:
            return True
        prefix = name + '/'
        return any(other.startswith(prefix) for other in self.names)


def _tar_size(field):
    if field[0] & 0x80:  # GNU base-256 for huge files
        return int.from_bytes(field[1:], 'big')
    text = field.replace(b'\0', b' ').strip()
    return int(text, 8) if text else 0


def _cstring(field):
    end = field.find(b'\0')
    return field if end < 0 else field[:end]


def normalize_member(name):
    """A tar member name as a path relative to the root (no ./, no leading or trailing /)."""
    while name.startswith('./'):
        name = name[2:]
    name = name.strip('/')
    return '' if name == '.' else name


def pax_records(data):
    """The key/value records of a PAX extended header."""
    records = {}
    pos = 0
    while pos < len(data):
        space = data.find(b' ', pos)
        if space < 0:
            break
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarStreamError('Malformed PAX header in the exported filesystem')
        record = data[space + 1:pos + length]
        if length <= 0:
            break
        key, _sep, value = record.rstrip(b'\n').partition(b'=')
        records[key.decode('utf-8', 'replace')] = value
        pos += length
    return records


class _ChunkReader:
    """Reads exact byte counts from an iterator of chunks, without joining big chunks."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = b''
        self._pos = 0
        self.total = 0

    def _fill(self):
        while self._pos >= len(self._buf):
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return False
            self._pos = 0
        return True

    def read(self, size):
        parts = []
        while size > 0 and self._fill():
            take = min(size, len(self._buf) - self._pos)
            parts.append(self._buf[self._pos:self._pos + take])
            self._pos += take
            size -= take
            self.total += take
        return b''.join(parts)

    def copy(self, size, write):
        """Pass ``size`` bytes to ``write`` (or drop them when write is None)."""
        while size > 0:
            if not self._fill():
                raise TarStreamError('The exported filesystem ended in the middle of a file')
            take = min(size, len(self._buf) - self._pos)
            if write is not None:
                if self._pos == 0 and take == len(self._buf):
                    write(self._buf)
                else:
                    write(memoryview(self._buf)[self._pos:self._pos + take])
            self._pos += take
            size -= take
            self.total += take

    def drain(self):
        while self._fill():
            self.total += len(self._buf) - self._pos
            self._pos = len(self._buf)


_ZERO_BLOCK = bytes(512)


def filter_tar_stream(chunks, write, drop=is_replaced):
    """Copy a tar stream from ``chunks`` to ``write`` up to (not including) its end-of-archive
    blocks, leaving out the members for which ``drop(name)`` is true.

    Returns a NameIndex of the members kept. Only headers are parsed; file data is passed on in
    the chunks it came in.
    """
    reader = _ChunkReader(chunks)
    seen = NameIndex()
    pending = []
    long_name = None
    while True:
        header = reader.read(512)
        if not header:
            break  # some writers omit the end-of-archive blocks
        if len(header) < 512:
            raise TarStreamError('The exported filesystem ends with a truncated tar header')
        if header == _ZERO_BLOCK:
            break
        typeflag = header[156:157]
        size = _tar_size(header[124:136])
        padded = (size + 511) & ~511
        if typeflag in (b'x', b'L', b'K'):
            data = reader.read(padded)
            if len(data) < padded:
                raise TarStreamError('The exported filesystem ended inside an extended header')
            pending.append(header + data)
            if typeflag == b'x':
                path = pax_records(data[:size]).get('path')
                if path is not None:
                    long_name = path.decode('utf-8', 'surrogateescape')
            elif typeflag == b'L':
                long_name = _cstring(data[:size]).decode('utf-8', 'surrogateescape')
            continue
        if typeflag == b'g':
            write(header)
            reader.copy(padded, write)
            continue
        if long_name is None:
            name = _cstring(header[0:100])
            if header[257:263] == b'ustar\0':
                prefix = _cstring(header[345:500])
                if prefix:
                    name = prefix + b'/' + name
            long_name = name.decode('utf-8', 'surrogateescape')
        name = normalize_member(long_name)
        if name and drop(name):
            reader.copy(padded, None)
        else:
            for block in pending:
                write(block)
            write(header)
            reader.copy(padded, write)
            if name:
                seen.add(name)
        pending = []
        long_name = None
    reader.drain()
    return seen


# ====================================================================== tools
def find_tool(name, hint):
    for directory in os.environ.get('PATH', '/usr/bin:/bin').split(os.pathsep) + ['/usr/sbin', '/sbin']:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise SifError('%s is not installed on this host (%s)' % (name, hint), tool=name)


def cpu_count():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def tar2sqfs_command(tool, output, compression, jobs, block_size=None):
    argv = [tool, '--quiet', '--force', '--no-skip', '--exportable',
            '--compressor', compression, '--num-jobs', str(jobs)]
    if block_size:
        argv += ['--block-size', str(block_size)]
    argv.append(output)
    return argv


def _space_hint(text, path, low_water=16 << 20):
    """Say so when a tool failed for lack of space: from its message, or, since some tools
    (tar2sqfs) only report an I/O error, from the free space left where it was writing."""
    directory = os.path.dirname(os.path.abspath(path))
    lowered = (text or '').lower()
    full = 'no space left' in lowered or 'enospc' in lowered or 'disk quota' in lowered
    if not full:
        try:
            info = os.statvfs(directory)
            full = info.f_bavail * info.f_frsize < low_water
        except OSError:
            pass
    if full:
        return ' (no space left in %s: free space or set dest elsewhere)' % directory
    return ''


def make_squashfs(chunks, output, compression, jobs, extra_entries, mtime, drop=is_replaced):
    """Stream a tar of the image filesystem through tar2sqfs into ``output``.

    ``extra_entries`` (see singularity_d_entries) are appended after the filtered stream.
    Returns the NameIndex of the image's members.
    """
    tool = find_tool('tar2sqfs', 'package squashfs-tools-ng')
    argv = tar2sqfs_command(tool, output, compression, jobs)
    env = dict(os.environ, LC_ALL='C')
    stderr_file = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=stderr_file, env=env, bufsize=0)
    except OSError as exc:
        stderr_file.close()
        raise SifError('Cannot run %s: %s' % (tool, exc), command=argv)
    pipe = proc.stdin
    failure = None
    seen = None
    try:
        try:
            seen = filter_tar_stream(chunks, pipe.write, drop)
            pipe.write(tail_tar(extra_entries, seen, mtime))
        except BrokenPipeError as exc:
            failure = exc
        finally:
            try:
                pipe.close()
            except BrokenPipeError:
                pass
        rc = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        stderr_file.close()
        raise
    stderr_file.seek(0)
    stderr = stderr_file.read().decode('utf-8', 'replace')
    stderr_file.close()
    if rc != 0 or failure is not None:
        raise SifError('tar2sqfs failed (rc=%s) making %s: %s%s'
                       % (rc, output, stderr.strip()[-2000:] or failure, _space_hint(stderr, output)),
                       command=argv, rc=rc, stderr=stderr[-4000:])
    return seen


def run_tool(argv, what):
    env = dict(os.environ, LC_ALL='C')
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False)
    except OSError as exc:
        raise SifError('Cannot run %s: %s' % (argv[0], exc), command=argv)
    if proc.returncode != 0:
        stderr = proc.stderr.decode('utf-8', 'replace')
        message = '%s failed (rc=%d): %s%s' % (what, proc.returncode, stderr.strip()[-2000:],
                                               _space_hint(stderr, argv[-1]))
        raise SifError(message,
                       command=argv, rc=proc.returncode, stdout=proc.stdout.decode('utf-8', 'replace')[-4000:],
                       stderr=stderr[-4000:])
    return proc.stdout.decode('utf-8', 'replace')


def assemble_sif(output, squashfs, arch, deffile, objects, work_dir):
    """Create the SIF ``output`` with siftool: the deffile, generic JSON ``objects`` (name ->
    bytes) and ``squashfs`` as the primary system partition of ``arch``."""
    siftool = find_tool('siftool', 'package siftool')
    if arch not in SIF_ARCH:
        raise SifError('Architecture %r of the image has no SIF code; known: %s'
                       % (arch, ', '.join(sorted(SIF_ARCH))))
    run_tool([siftool, 'new', output], 'siftool new')
    deffile_path = os.path.join(work_dir, 'deffile')
    with open(deffile_path, 'w', encoding='utf-8') as handle:
        handle.write(deffile)
    run_tool([siftool, 'add', '--datatype', str(SIF_DEFFILE), '--groupid', '1', output, deffile_path],
             'siftool add (definition file)')
    for name, data in objects:
        path = os.path.join(work_dir, name)
        with open(path, 'wb') as handle:
            handle.write(data)
        run_tool([siftool, 'add', '--datatype', str(SIF_GENERIC_JSON), '--groupid', '1',
                  '--filename', name, output, path], 'siftool add (%s)' % name)
    run_tool([siftool, 'add', '--datatype', str(SIF_PARTITION), '--parttype', str(SIF_PART_PRIMSYS),
              '--partfs', str(SIF_FS_SQUASH), '--partarch', str(SIF_ARCH[arch]), '--groupid', '1',
              output, squashfs], 'siftool add (system partition)')


# ====================================================================== reading a SIF
def read_sif(path):
    """The global header and used descriptors of a SIF file (pure Python, no siftool).

    Raises SifError when the file is not a complete SIF: bad magic, descriptors or data objects
    beyond the end of the file (a truncated copy).
    """
    try:
        size = os.path.getsize(path)
        with open(path, 'rb') as handle:
            raw = handle.read(_SIF_HEADER.size)
            if len(raw) < _SIF_HEADER.size:
                raise SifError('%s is not a SIF file (only %d bytes)' % (path, len(raw)))
            (launch, magic, version, arch, ident, ctime, mtime, dfree, dtotal, descroff, descrlen,
             dataoff, datalen) = _SIF_HEADER.unpack(raw)
            if magic != _SIF_MAGIC:
                raise SifError('%s is not a SIF file (no SIF_MAGIC in its header)' % path)
            if dtotal <= 0 or dtotal > 4096 or descroff + dtotal * _SIF_DESCRIPTOR.size > size:
                raise SifError('%s is a damaged SIF file (descriptor table out of the file)' % path)
            handle.seek(descroff)
            table = handle.read(dtotal * _SIF_DESCRIPTOR.size)
    except OSError as exc:
        raise SifError('Cannot read %s: %s' % (path, exc))
    descriptors = []
    for index in range(dtotal):
        fields = _SIF_DESCRIPTOR.unpack_from(table, index * _SIF_DESCRIPTOR.size)
        (datatype, used, ident_, group, link, fileoff, filelen, storelen, dctime, dmtime, _uid, _gid,
         name, extra) = fields
        if not used:
            continue
        if fileoff < 0 or filelen < 0 or fileoff + filelen > size:
            raise SifError('%s is a truncated or damaged SIF file (object %d ends at %d, the file at %d)'
                           % (path, ident_, fileoff + filelen, size))
        entry = {
            'id': ident_, 'datatype': datatype - SIF_DATATYPE_BASE, 'group': group, 'link': link,
            'offset': fileoff, 'size': filelen, 'name': _cstring(name).decode('utf-8', 'replace'),
        }
        if entry['datatype'] == SIF_PARTITION:
            fstype, parttype, parch = struct.unpack_from('<ii3s', extra)
            entry.update(fstype=fstype, parttype=parttype,
                         arch=_cstring(parch).decode('ascii', 'replace'))
        descriptors.append(entry)
    return {
        'arch': _cstring(arch).decode('ascii', 'replace'),
        'id': str(uuid.UUID(bytes=ident)),
        'version': _cstring(version).decode('ascii', 'replace'),
        'descriptors': descriptors,
        'size': size,
    }


def read_sif_object(path, descriptor):
    with open(path, 'rb') as handle:
        handle.seek(descriptor['offset'])
        return handle.read(descriptor['size'])


def sif_labels_of(path):
    """The labels recorded in a SIF's inspect metadata (or JSON labels object)."""
    info = read_sif(path)
    if not any(d['datatype'] == SIF_PARTITION for d in info['descriptors']):
        raise SifError('%s has no filesystem partition: not a usable SIF' % path)
    for descriptor in info['descriptors']:
        if descriptor['datatype'] == SIF_GENERIC_JSON and descriptor['name'] == SIF_INSPECT_METADATA:
            try:
                data = json.loads(read_sif_object(path, descriptor).decode('utf-8'))
                return data['data']['attributes'].get('labels') or {}
            except (ValueError, KeyError, TypeError) as exc:
                raise SifError('%s has unreadable inspect metadata: %s' % (path, exc))
        if descriptor['datatype'] == SIF_LABELS:
            try:
                return json.loads(read_sif_object(path, descriptor).decode('utf-8'))
            except ValueError as exc:
                raise SifError('%s has unreadable labels: %s' % (path, exc))
    return {}


# ====================================================================== checksums and side files
def side_file_path(sif_path):
    return sif_path + '.json'


def read_side_file(sif_path):
    """The side file of a SIF as a dict, or None when absent or unreadable."""
    try:
        with open(side_file_path(sif_path), 'r', encoding='utf-8') as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def side_file_data(sif_path, labels, size, digests, metadata, source, now=None):
    """The casa-distro v3 metadata of a SIF (``<sif>.json``), plus checksums and the source.

    ``metadata`` supplies name, type, system, image_version, origin ids, compatibility and any
    other key; ``name`` defaults to the file name without ``.sif``.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    base = os.path.basename(sif_path)
    data = {
        'name': base[:-4] if base.endswith('.sif') else base,
        'type': None,
        'system': None,
        'image_version': None,
        'container_type': 'singularity',
        'compatibility': [],
        'build_number': None,
    }
    data.update(dict((key, value) for key, value in (metadata or {}).items() if value is not None))
    data.update({
        'creation_time': now.replace(microsecond=0).isoformat(),
        'size': size,
        'md5': digests['md5'],
        'sha256': digests['sha256'],
        'image_id': labels.get(LABEL_SIF_IMAGE_ID),
        'source_image_id': source.get('image_id'),
        'source_reference': source.get('reference'),
        'source_digest': source.get('digest'),
        'compression': labels.get(LABEL_COMPRESSION),
        'backend': labels.get(LABEL_BACKEND),
        'arch': labels.get('org.label-schema.build-arch'),
    })
    return data


# ====================================================================== temporary directories
TMP_MARK = '.casa-sif-tmp-'


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_work_dir(dest):
    """A private directory beside ``dest`` (same filesystem, so the final rename is atomic)."""
    directory = os.path.dirname(os.path.abspath(dest))
    prefix = '%s%s%d-' % (os.path.basename(dest), TMP_MARK, os.getpid())
    return tempfile.mkdtemp(prefix='.' + prefix, dir=directory)


def stale_work_dirs(dest):
    """Work directories beside ``dest`` left by conversions whose process is gone (killed)."""
    directory = os.path.dirname(os.path.abspath(dest))
    prefix = '.%s%s' % (os.path.basename(dest), TMP_MARK)
    stale = []
    try:
        names = os.listdir(directory)
    except OSError:
        return stale
    for name in names:
        if not name.startswith(prefix):
            continue
        pid_text = name[len(prefix):].split('-', 1)[0]
        if pid_text.isdigit() and not _pid_alive(int(pid_text)):
            stale.append(os.path.join(directory, name))
    return stale


# ====================================================================== the conversion
class Source:
    """The Docker image being converted: reference, inspect data, ID and digest."""

    def __init__(self, reference, info):
        self.reference = reference
        self.info = info
        self.image_id = info['Id']
        config = info.get('Config') or {}
        self.config = config
        self.arch = info.get('Architecture') or 'amd64'
        digests = info.get('RepoDigests') or []
        self.digest = digests[0].split('@', 1)[1] if digests else None

    def as_dict(self):
        return {'image_id': self.image_id, 'reference': self.reference, 'digest': self.digest}


def available_backend(requested, which=None):
    """The back end to use: ``auto`` picks apptainer, then singularity, when installed."""
    which = which or shutil.which
    if requested in ('apptainer', 'singularity'):
        if not which(requested):
            raise SifError('backend=%s but %s is not installed on this host (use backend=native, '
                           'which needs only tar2sqfs and siftool)' % (requested, requested))
        return requested
    if requested == 'auto':
        for tool in ('apptainer', 'singularity'):
            if which(tool):
                return tool
        return 'native'
    return 'native'


class _WouldFetch(Exception):
    """Check mode: the source would have to be pulled or loaded first, so nothing more is known."""


class SingularityConverter:
    """Carries out one ``state=present`` task: convert a Docker image to a SIF."""

    def __init__(self, params, client, check_mode=False, which=None):
        self.params = params
        self.client = client
        self.check_mode = check_mode
        self.which = which
        self.actions = []
        self.changed = False
        self.result = {}

    # ------------------------------------------------------------------ source
    def source(self):
        params = self.params
        archive = params.get('archive')
        reference = params.get('image')
        if archive:
            reference = self._load_archive(archive, reference)
        elif params.get('pull'):
            repository, tag = split_reference(reference)
            if self.check_mode:
                self.actions.append('Would pull %s:%s first' % (repository, tag))
            else:
                before = self.client.image_id(reference)
                after = self.client.pull(repository, tag, auth=self._auth())
                if before != after:
                    self.actions.append('Pulled %s: %s -> %s' % (reference, before, after))
        info = self.client.inspect_image(reference)
        if info is None and self.check_mode and params.get('pull'):
            raise _WouldFetch('Would pull %s and convert it' % reference)
        if info is None:
            raise SifError('Source image %s is not in the Docker daemon at %s: build or pull it first '
                           '(or set pull=true to fetch it from its registry, or archive= for a '
                           'docker-archive tarball)' % (reference, self.client.docker_host),
                           image=reference)
        return Source(reference, info)

    def _load_archive(self, archive, reference):
        """``docker load`` a docker-archive tarball (needs the low-level API: the shared client
        has no load call). Returns the reference to convert."""
        if not os.path.isfile(archive):
            raise SifError('archive %s does not exist or is not a file' % archive)
        try:
            with open(archive, 'rb') as handle:
                manifest = None
                with tarfile.open(fileobj=handle, mode='r|') as tar:
                    for member in tar:
                        if member.name == 'manifest.json':
                            manifest = json.load(tar.extractfile(member))
                            break
        except (OSError, tarfile.TarError, ValueError) as exc:
            raise SifError('archive %s is not a docker-archive tarball: %s' % (archive, exc))
        if not manifest:
            raise SifError('archive %s has no manifest.json: not a docker-archive (docker save) tarball'
                           % archive)
        entry = manifest[0]
        tags = entry.get('RepoTags') or []
        config_name = entry.get('Config') or ''
        image_id = 'sha256:' + os.path.basename(config_name).replace('.json', '').replace('sha256:', '')
        target = reference or (tags[0] if tags else image_id)
        if self.client.image_id(image_id) is None:
            if self.check_mode:
                raise _WouldFetch('Would load %s into the Docker daemon and convert it' % archive)
            self.client.load_archive(archive)
            self.actions.append('Loaded %s into the Docker daemon' % archive)
        return target if self.client.image_id(target) else image_id

    def _auth(self):
        username = self.params.get('registry_username')
        if not username:
            return None
        return {'username': username, 'password': self.params.get('registry_password') or ''}

    # ------------------------------------------------------------------ decision
    def existing_state(self, dest, source):
        """(reason to build or None, labels of the existing SIF or None, side file or None)."""
        if not os.path.lexists(dest):
            return 'no SIF at %s' % dest, None, None
        if not os.path.isfile(dest):
            raise SifError('dest %s exists and is not a regular file' % dest)
        try:
            labels = sif_labels_of(dest)
        except SifError as exc:
            return 'the existing file is not a valid SIF (%s)' % exc.msg, None, None
        side = read_side_file(dest)
        previous = labels.get(LABEL_SOURCE_ID)
        if self.params.get('force'):
            return 'force=true', labels, side
        if not previous:
            return 'the existing SIF records no source image ID (not made by casa.distro)', labels, side
        if previous != source.image_id:
            return 'source image changed (%s -> %s)' % (previous[:19], source.image_id[:19]), labels, side
        if labels.get(LABEL_COMPRESSION) != self.params.get('compression'):
            reason = 'compression changed (%s -> %s)' % (labels.get(LABEL_COMPRESSION),
                                                         self.params.get('compression'))
            return reason, labels, side
        return None, labels, side

    def side_file_stale(self, dest, labels, side):
        if side is None:
            return 'side file missing or unreadable'
        if side.get('source_image_id') != labels.get(LABEL_SOURCE_ID):
            return 'side file records another source image'
        if side.get('size') != os.path.getsize(dest):
            return 'side file size differs from the SIF'
        if side.get('image_id') != labels.get(LABEL_SIF_IMAGE_ID):
            return 'side file records another SIF image ID'
        wanted = dict((k, v) for k, v in (self.params.get('metadata') or {}).items() if v is not None)
        for key, value in wanted.items():
            if side.get(key) != value:
                return 'metadata %s changed' % key
        return None

    # ------------------------------------------------------------------ entry point
    def run(self):
        params = self.params
        dest = os.path.abspath(params['dest'])
        if not os.path.isdir(os.path.dirname(dest)):
            raise SifError('The directory of dest %s does not exist' % dest)
        try:
            source = self.source()
        except _WouldFetch as exc:
            self.actions.append(str(exc))
            self.result.update(changed=True, actions=self.actions, path=dest, side_file=side_file_path(dest),
                               converted=False, build_reason='the source image is not in the daemon yet',
                               diff={'before': {}, 'after': {}})
            return self.result
        backend = available_backend(params.get('backend') or 'auto', self.which)
        self.result.update(dest=dest, source_image_id=source.image_id, source_reference=source.reference,
                           source_digest=source.digest, backend=backend, arch=source.arch)
        for stale in stale_work_dirs(dest):
            if not self.check_mode:
                shutil.rmtree(stale, ignore_errors=True)
            self.changed = True
            self.actions.append('%s %s, left by an interrupted conversion'
                                % ('Would remove' if self.check_mode else 'Removed', stale))
        reason, labels, side = self.existing_state(dest, source)
        before = {'source_image_id': (labels or {}).get(LABEL_SOURCE_ID), 'sha256': (side or {}).get('sha256'),
                  'size': os.path.getsize(dest) if os.path.isfile(dest) else None}
        self.result['build_reason'] = reason
        if reason is None:
            stale = self.side_file_stale(dest, labels, side)
            if stale:
                self.changed = True
                if self.check_mode:
                    self.actions.append('Would rewrite the side file of %s (%s)' % (dest, stale))
                else:
                    side = self.write_side_files(dest, labels, source)
                    self.actions.append('Rewrote the side file of %s (%s)' % (dest, stale))
            elif self.write_v2_files(dest, side, source):
                self.changed = True
            self.result.update(converted=False, metadata=side, sif_labels=labels)
        elif self.check_mode:
            self.changed = True
            self.actions.append('Would convert %s (%s) to %s with the %s back end (%s)'
                                % (source.reference, source.image_id[:19], dest, backend, reason))
            self.result.update(converted=False, metadata=side, sif_labels=labels)
        else:
            started = time.time()
            labels = self.convert(source, dest, backend)
            side = self.write_side_files(dest, labels, source)
            self.write_v2_files(dest, side, source)
            self.changed = True
            self.result.update(converted=True, metadata=side, sif_labels=labels,
                               seconds=round(time.time() - started, 2))
            self.actions.append('Converted %s (%s) to %s with the %s back end in %.1f s (%s)'
                                % (source.reference, source.image_id[:19], dest, backend,
                                   time.time() - started, reason))
        predicted = self.check_mode and reason is not None  # checksum and size unknown before building
        after = {'source_image_id': source.image_id,
                 'sha256': None if predicted else (side or {}).get('sha256'),
                 'size': None if predicted else (side or {}).get('size')}
        self.result['diff'] = {'before': before, 'after': after}
        self.result['changed'] = self.changed
        self.result['actions'] = self.actions
        self.result['path'] = dest
        self.result['side_file'] = side_file_path(dest)
        return self.result

    # ------------------------------------------------------------------ conversion
    def deffile(self, source):
        dockerfile = self.params.get('dockerfile')
        if dockerfile:
            if not os.path.isfile(dockerfile):
                raise SifError('dockerfile %s does not exist' % dockerfile)
            return dockerfile_deffile(dockerfile, source.reference)
        return default_deffile(source.reference)

    def convert(self, source, dest, backend):
        work = make_work_dir(dest)
        try:
            tmp_sif = os.path.join(work, 'image.sif')
            if backend == 'native':
                labels = self.convert_native(source, tmp_sif, work)
            else:
                labels = self.convert_with_tool(source, tmp_sif, work, backend)
            os.chmod(tmp_sif, 0o644)
            os.replace(tmp_sif, dest)
            return labels
        except OSError as exc:
            raise SifError('Converting %s to %s failed: %s%s' % (source.reference, dest, exc,
                                                                 ' (no space left on the device)'
                                                                 if exc.errno == errno.ENOSPC else ''))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def labels_for(self, source, deffile_from, backend, sif_image_id):
        return sif_labels(source.config.get('Labels'), source.arch, deffile_from, source.as_dict(),
                          self.params['compression'], backend, sif_image_id)

    def convert_native(self, source, tmp_sif, work):
        deffile = self.deffile(source)
        labels = self.labels_for(source, source.reference, 'native', str(uuid.uuid4()))
        text = labels_json(labels)
        entries = singularity_d_entries(source.config, text, deffile)
        env_scripts = dict(('/' + name, payload) for name, kind, dummy_mode, payload in entries
                           if name.startswith('.singularity.d/env/') and kind == 'file' and payload)
        squashfs = os.path.join(work, 'rootfs.sqfs')
        mtime = int(time.time())
        jobs = self.params.get('jobs') or cpu_count()
        with self.client.exported_filesystem(source.image_id, chunk_size=CHUNK) as chunks:
            make_squashfs(chunks, squashfs, self.params['compression'], jobs, entries, mtime)
        runscript = next(entry[3] for entry in entries if entry[0] == '.singularity.d/runscript')
        metadata = inspect_metadata(labels, deffile, runscript, env_scripts, _HEADER)
        oci_config = dict((key, source.config.get(key)) for key in
                          ('Cmd', 'Entrypoint', 'Env', 'Labels', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes')
                          if source.config.get(key))
        oci_config['Image'] = source.image_id
        objects = [(SIF_INSPECT_METADATA, json.dumps(metadata, sort_keys=True).encode('utf-8')),
                   (SIF_OCI_CONFIG, json.dumps(oci_config, sort_keys=True).encode('utf-8'))]
        assemble_sif(tmp_sif, squashfs, source.arch, deffile, objects, work)
        os.unlink(squashfs)
        return labels

    def convert_with_tool(self, source, tmp_sif, work, backend):
        """``apptainer|singularity build`` from a docker-archive of the image, with our labels."""
        if not HAS_SPYTHON:
            raise SifError('backend=%s is driven through spython, which is not installed: %s'
                           % (backend, SPYTHON_IMPORT_ERROR))
        archive = os.path.join(work, 'image.tar')
        with open(archive, 'wb') as handle:
            for chunk in self.client.saved_image(source.image_id, chunk_size=CHUNK):
                handle.write(chunk)
        labels = self.labels_for(source, archive, backend, str(uuid.uuid4()))
        ours = dict((k, v) for k, v in labels.items() if k.startswith('io.casa-distro.'))
        recipe = os.path.join(work, 'image.def')
        lines = ['Bootstrap: docker-archive', 'From: %s' % archive, '', '%labels']
        lines += ['    %s %s' % (key, value) for key, value in sorted(ours.items())]
        with open(recipe, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(lines) + '\n')
        argv = [shutil.which(backend) or backend, 'build', '--force', '--mksquashfs-args',
                '-comp %s -processors %d' % (self.params['compression'], self.params.get('jobs') or cpu_count()),
                tmp_sif, recipe]
        output = []
        try:
            for line in spython_terminal.stream_command(argv, output_type='both'):
                output.append(line)
        except subprocess.CalledProcessError as exc:
            raise SifError('%s build failed (rc=%s): %s' % (backend, exc.returncode, ''.join(output[-20:]).strip()),
                           command=argv, rc=exc.returncode, stdout=''.join(output[-50:]))
        if not os.path.isfile(tmp_sif):
            raise SifError('%s build produced no SIF: %s' % (backend, ''.join(output[-20:]).strip()),
                           command=argv)
        built = sif_labels_of(tmp_sif)
        built.update(ours)
        return built

    # ------------------------------------------------------------------ side files
    def write_side_files(self, dest, labels, source):
        digests = file_digests(dest, ('md5', 'sha256'))
        data = side_file_data(dest, labels, os.path.getsize(dest), digests, self.params.get('metadata'),
                              source.as_dict())
        atomic_write(side_file_path(dest), json.dumps(data, indent=4, sort_keys=True) + '\n', mode=PUBLIC_MODE)
        return data

    def write_v2_files(self, dest, side, source):
        """casa-distro v2 clients read ``<sif>.md5`` (hex, no newline) and ``<sif>.dockerid``."""
        if not self.params.get('v2_files') or not side:
            return False
        changed = False
        for suffix, text in (('.md5', side['md5']), ('.dockerid', source.image_id)):
            path = dest + suffix
            try:
                with open(path, 'r', encoding='utf-8') as handle:
                    if handle.read() == text:
                        continue
            except OSError:
                pass
            changed = True
            if self.check_mode:
                self.actions.append('Would write %s' % path)
            else:
                atomic_write(path, text, mode=PUBLIC_MODE)
                self.actions.append('Wrote %s' % path)
        return changed
