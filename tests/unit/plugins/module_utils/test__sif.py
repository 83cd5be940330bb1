# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif: the generated /.singularity.d scripts (run with /bin/sh), the tar stream
filter, SIF reading, labels and side files. No Docker daemon, no Apptainer."""

from __future__ import annotations

import datetime
import io
import json
import os
import struct
import subprocess
import tarfile
import uuid

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _sif


# ---------------------------------------------------------------- helpers
def run_sh(script, *args, env=None, tmp_path=None):
    path = tmp_path / 'script.sh'
    path.write_text(script)
    environment = {'PATH': '/usr/bin:/bin', 'HOME': '/home/tester'}
    environment.update(env or {})
    proc = subprocess.run(['/bin/sh', str(path)] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=environment, check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def make_tar(members):
    """members: (name, kind, payload) -> tar bytes, PAX format (long names use PAX headers)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == 'dir':
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            elif kind == 'symlink':
                info.type = tarfile.SYMTYPE
                info.linkname = payload
                tar.addfile(info)
            else:
                data = payload.encode() if isinstance(payload, str) else payload
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def chunked(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)]


# ---------------------------------------------------------------- quoting and scripts
@pytest.mark.parametrize('text', ['plain', "it's", 'a "b" $c `d` \\e', ''])
def test_single_quoted_round_trips_through_sh(tmp_path, text):
    rc, out, dummy_err = run_sh('printf "%%s" %s\n' % _sif.single_quoted(text), tmp_path=tmp_path)
    assert rc == 0 and out == text


def test_quoted_words_round_trip_through_eval(tmp_path):
    args = ['a b', '$HOME', '"quoted"', 'back\\slash', '`cmd`']
    script = 'eval "set -- %s"\nfor a in "$@"; do printf "[%%s]" "$a"; done\n' % \
        _sif.double_quote_escaped(_sif.quoted_words(args))
    rc, out, dummy_err = run_sh(script, tmp_path=tmp_path)
    assert rc == 0
    assert out == ''.join('[%s]' % arg for arg in args)


def test_docker_env_script_semantics(tmp_path):
    script = _sif.docker_env_script([
        'PATH=/opt/x/bin:/usr/bin:/bin', 'CASA=hello world', 'KEEP=image', 'EMPTY', 'QUOTE=a"b$c',
        'bad-name=ignored'])
    assert 'bad-name' not in script
    probe = script + 'printf "%s|%s|%s|%s|%s\\n" "$PATH" "$CASA" "$KEEP" "${EMPTY-unset}" "$QUOTE"\n'
    rc, out, err = run_sh(probe, env={'KEEP': 'caller', 'PATH': '/caller/bin'}, tmp_path=tmp_path)
    assert rc == 0, err
    # PATH comes from the image; other variables keep a value the caller already has.
    assert out.strip() == '/opt/x/bin:/usr/bin:/bin|hello world|caller||a"b$c'


def test_runscript_entrypoint_and_cmd(tmp_path):
    script = _sif.oci_runscript(['printf', '<%s>'], ['default', 'two words'])
    assert script.startswith('#!/bin/sh\n')
    rc, out, dummy_err = run_sh(script, tmp_path=tmp_path)
    assert (rc, out) == (0, '<default><two words>')
    # Arguments replace CMD and go through the shell once, as in Apptainer.
    rc, out, dummy_err = run_sh(script, 'x y', '$HOME', tmp_path=tmp_path)
    assert (rc, out) == (0, '<x y></home/tester>')
    # With APPTAINER_NO_EVAL, no evaluation (Docker semantics).
    rc, out, dummy_err = run_sh(script, 'x y', '$HOME', env={'APPTAINER_NO_EVAL': '1'}, tmp_path=tmp_path)
    assert (rc, out) == (0, '<x y><$HOME>')
    rc, out, dummy_err = run_sh(script, env={'SINGULARITY_NO_EVAL': '1'}, tmp_path=tmp_path)
    assert (rc, out) == (0, '<default><two words>')


def test_runscript_cmd_only_and_entrypoint_only(tmp_path):
    rc, out, dummy_err = run_sh(_sif.oci_runscript([], ['printf', '%s', 'cmd']), tmp_path=tmp_path)
    assert (rc, out) == (0, 'cmd')
    rc, out, dummy_err = run_sh(_sif.oci_runscript([], ['printf', '%s', 'cmd']), 'echo', 'given', tmp_path=tmp_path)
    assert (rc, out) == (0, 'given\n')
    rc, out, dummy_err = run_sh(_sif.oci_runscript(['echo', 'entry'], []), 'arg', tmp_path=tmp_path)
    assert (rc, out) == (0, 'entry arg\n')
    rc, dummy_out, err = run_sh(_sif.oci_runscript([], []), tmp_path=tmp_path)
    assert rc == 1 and 'neither ENTRYPOINT nor CMD' in err


def test_action_exec_sources_env_scripts(tmp_path):
    # The action scripts source /.singularity.d/env/*.sh: check they parse and end with exec.
    scripts = _sif.action_scripts()
    assert sorted(scripts) == ['exec', 'run', 'shell', 'start', 'test']
    for name, text in scripts.items():
        proc = subprocess.run(['/bin/sh', '-n'], input=text.encode(), check=False)
        assert proc.returncode == 0, name
        assert '/.singularity.d/env/*.sh' in text
    for name, text in _sif.base_env_scripts().items():
        proc = subprocess.run(['/bin/sh', '-n'], input=text.encode(), check=False)
        assert proc.returncode == 0, name


def test_runtimevars_apply_user_path(tmp_path):
    text = _sif.base_env_scripts()['99-runtimevars.sh'] + 'echo "$PATH|${SING_USER_DEFINED_PREPEND_PATH-gone}"\n'
    rc, out, dummy_err = run_sh(text, env={'PATH': '/usr/bin:/bin', 'SING_USER_DEFINED_PREPEND_PATH': '/pre'},
                                tmp_path=tmp_path)
    assert (rc, out.strip()) == (0, '/pre:/usr/bin:/bin|gone')


def test_singularity_d_entries_layout():
    config = {'Env': ['A=1'], 'Entrypoint': ['/bin/true'], 'Cmd': None}
    entries = _sif.singularity_d_entries(config, '{}', 'bootstrap: docker-daemon\n')
    names = [entry[0] for entry in entries]
    for expected in ['.singularity.d/actions/exec', '.singularity.d/actions/run', '.singularity.d/env/01-base.sh',
                     '.singularity.d/env/10-docker2singularity.sh', '.singularity.d/env/90-environment.sh',
                     '.singularity.d/env/94-appsbase.sh', '.singularity.d/env/95-apps.sh',
                     '.singularity.d/env/99-base.sh', '.singularity.d/env/99-runtimevars.sh',
                     '.singularity.d/runscript', '.singularity.d/startscript', '.singularity.d/labels.json',
                     '.singularity.d/Singularity', '.singularity.d/libs']:
        assert expected in names
    # Parents come before their children.
    assert names.index('.singularity.d/env') < names.index('.singularity.d/env/01-base.sh')


# ---------------------------------------------------------------- labels, metadata
def test_sif_labels_and_inspect_metadata():
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    labels = _sif.sif_labels({'maintainer': 'me'}, 'amd64', 'casa/x:1',
                             {'image_id': 'sha256:abc', 'reference': 'casa/x:1', 'digest': None},
                             'gzip', 'native', 'uuid-1', now=now)
    assert labels['maintainer'] == 'me'
    assert labels['org.label-schema.build-date'] == 'Friday_02_January_2026_03:04:05_UTC'
    assert labels[_sif.LABEL_SOURCE_ID] == 'sha256:abc'
    assert labels[_sif.LABEL_SOURCE_DIGEST] == ''
    text = _sif.labels_json(labels)
    assert json.loads(text) == labels and '\n\t"maintainer"' in text
    meta = _sif.inspect_metadata(labels, 'def\n', 'run\n', {'/e.sh': 'x\n'}, 'start\n')
    assert meta['type'] == 'container'
    assert meta['data']['attributes']['labels'] == labels
    assert meta['data']['attributes']['environment'] == {'/e.sh': 'x'}


def test_side_file_data_has_casa_distro_v3_fields():
    labels = {_sif.LABEL_SIF_IMAGE_ID: 'u-1', _sif.LABEL_COMPRESSION: 'zstd', _sif.LABEL_BACKEND: 'native',
              'org.label-schema.build-arch': 'amd64'}
    data = _sif.side_file_data('/x/casa-run-5.3.sif', labels, 42, {'md5': 'm', 'sha256': 's'},
                               {'type': 'run', 'system': 'ubuntu-22.04', 'image_version': '5.3',
                                'origin': 'casa-system', 'origin_run': None},
                               {'image_id': 'sha256:1', 'reference': 'r', 'digest': 'sha256:d'})
    for key in ('name', 'type', 'system', 'image_version', 'creation_time', 'size', 'md5', 'image_id',
                'build_number', 'sha256', 'source_image_id', 'source_digest', 'origin'):
        assert key in data
    assert data['name'] == 'casa-run-5.3'
    assert data['image_id'] == 'u-1'
    assert data['build_number'] is None
    assert 'origin_run' not in data  # None values are not written
    assert (data['size'], data['md5'], data['sha256']) == (42, 'm', 's')
    assert (data['source_image_id'], data['source_digest']) == ('sha256:1', 'sha256:d')


# ---------------------------------------------------------------- tar filter
@pytest.mark.parametrize('chunk', [1, 100, 512, 777, 1 << 20])
def test_filter_tar_stream_drops_and_keeps(chunk):
    long_name = 'usr/share/' + 'd' * 150 + '/file.txt'
    source = make_tar([
        ('bin', 'dir', None), ('bin/sh', 'file', 'shell'), ('.dockerenv', 'file', ''),
        ('.singularity.d', 'dir', None), ('.singularity.d/env/old.sh', 'file', 'old'),
        ('etc', 'dir', None), ('etc/hosts', 'file', '127.0.0.1 docker'), ('etc/passwd', 'file', 'root'),
        (long_name, 'file', 'x' * 3000), ('lib', 'symlink', 'usr/lib'),
    ])
    out = io.BytesIO()
    seen = _sif.filter_tar_stream(chunked(source, chunk), out.write)
    out.write(_sif.tail_tar([('etc/hosts', 'file', 0o644, '')], seen, 0))
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert tar.extractfile(members[long_name]).read() == b'x' * 3000
        assert tar.extractfile(members['etc/hosts']).read() == b''
        assert tar.extractfile(members['bin/sh']).read() == b'shell'
    assert '.dockerenv' not in members
    assert '.singularity.d/env/old.sh' not in members
    assert members['lib'].linkname == 'usr/lib'
    # Optional base directories are added only when missing.
    assert 'proc' in members and 'tmp' in members and members['tmp'].mode == 0o1777
    assert 'bin' in members and list(members).count('etc') == 1
    assert seen.has('usr/share') and not seen.has('proc')


def test_filter_tar_stream_truncated():
    source = make_tar([('big', 'file', 'y' * 5000)])
    with pytest.raises(_sif.TarStreamError):
        _sif.filter_tar_stream([source[:2048]], lambda data: None)


def test_pax_records_and_sizes():
    assert _sif.pax_records(b'20 path=a/long/name\n') == {'path': b'a/long/name'}
    assert _sif._tar_size(b'00000001000\0') == 512
    assert _sif._tar_size(b'\x80' + (5).to_bytes(11, 'big')) == 5
    assert _sif.normalize_member('./usr/bin/') == 'usr/bin'
    assert _sif.normalize_member('./') == ''


# ---------------------------------------------------------------- SIF reading
def write_sif(path, objects, truncate=None):
    """A minimal SIF (layout of the sif v2 spec): objects are (datatype, name, data, extra)."""
    dtotal = 48
    descroff = 4096
    dataoff = descroff + dtotal * _sif._SIF_DESCRIPTOR.size
    body = b''
    descriptors = b''
    for index, (datatype, name, data, extra) in enumerate(objects):
        offset = dataoff + len(body)
        body += data
        descriptors += _sif._SIF_DESCRIPTOR.pack(
            _sif.SIF_DATATYPE_BASE + datatype, True, index + 1, 0xf0000001, 0, offset, len(data), len(data),
            0, 0, 0, 0, name.encode().ljust(128, b'\0'), extra.ljust(384, b'\0'))
    descriptors = descriptors.ljust(dtotal * _sif._SIF_DESCRIPTOR.size, b'\0')
    header = _sif._SIF_HEADER.pack(b'#!/usr/bin/env run-singularity\n'.ljust(32, b'\0'), b'SIF_MAGIC\0', b'01\0',
                                   b'02\0', uuid.uuid4().bytes, 0, 0, dtotal - len(objects), dtotal,
                                   descroff, len(objects) * _sif._SIF_DESCRIPTOR.size, dataoff, len(body))
    data = header.ljust(descroff, b'\0') + descriptors + body
    if truncate:
        data = data[:truncate]
    path.write_bytes(data)


def test_read_sif_labels(tmp_path):
    meta = {'data': {'attributes': {'labels': {_sif.LABEL_SOURCE_ID: 'sha256:1'}}}, 'type': 'container'}
    partition = struct.pack('<ii3s', 1, 2, b'02\0')
    path = tmp_path / 'x.sif'
    write_sif(path, [(1, 'deffile', b'bootstrap: docker\n', b''),
                     (6, 'inspect-metadata.json', json.dumps(meta).encode(), b''),
                     (4, 'rootfs', b'hsqs' + bytes(100), partition)])
    info = _sif.read_sif(str(path))
    assert info['arch'] == '02'
    assert [d['datatype'] for d in info['descriptors']] == [1, 6, 4]
    assert info['descriptors'][2]['parttype'] == 2
    assert _sif.sif_labels_of(str(path)) == {_sif.LABEL_SOURCE_ID: 'sha256:1'}


def test_read_sif_rejects_corrupt_and_truncated(tmp_path):
    bad = tmp_path / 'bad.sif'
    bad.write_bytes(b'not a SIF at all\n' * 20)
    with pytest.raises(_sif.SifError, match='not a SIF'):
        _sif.read_sif(str(bad))
    short = tmp_path / 'short.sif'
    short.write_bytes(b'x')
    with pytest.raises(_sif.SifError, match='not a SIF'):
        _sif.read_sif(str(short))
    truncated = tmp_path / 'truncated.sif'
    write_sif(truncated, [(4, 'rootfs', bytes(100000), struct.pack('<ii3s', 1, 2, b'02\0'))], truncate=60000)
    with pytest.raises(_sif.SifError, match='truncated'):
        _sif.read_sif(str(truncated))
    nopart = tmp_path / 'nopart.sif'
    write_sif(nopart, [(1, 'deffile', b'x', b'')])
    with pytest.raises(_sif.SifError, match='no filesystem partition'):
        _sif.sif_labels_of(str(nopart))


# ---------------------------------------------------------------- files and dirs
def test_atomic_write_and_side_file(tmp_path):
    sif = tmp_path / 'a.sif'
    (tmp_path / 'a.sif.json').write_text(json.dumps({'size': 1}))
    assert _sif.read_side_file(str(sif)) == {'size': 1}
    assert sorted(os.listdir(tmp_path)) == ['a.sif.json']
    (tmp_path / 'b.sif.json').write_text('{broken')
    assert _sif.read_side_file(str(tmp_path / 'b.sif')) is None


def test_stale_work_dirs(tmp_path):
    dest = str(tmp_path / 'x.sif')
    mine = _sif.make_work_dir(dest)
    dead = tmp_path / ('.x.sif%s%d-abc' % (_sif.TMP_MARK, 2 ** 22 + 12345))
    dead.mkdir()
    other = tmp_path / ('.y.sif%s1-abc' % _sif.TMP_MARK)
    other.mkdir()
    assert os.path.dirname(mine) == str(tmp_path)
    assert _sif.stale_work_dirs(dest) == [str(dead)]


def test_available_backend():
    def which_none(name):
        return None

    def which_apptainer(name):
        return '/usr/bin/apptainer' if name == 'apptainer' else None
    assert _sif.available_backend('auto', which_none) == 'native'
    assert _sif.available_backend('auto', which_apptainer) == 'apptainer'
    assert _sif.available_backend('native', which_apptainer) == 'native'
    with pytest.raises(_sif.SifError, match='singularity is not installed'):
        _sif.available_backend('singularity', which_apptainer)


def test_tar2sqfs_command():
    argv = _sif.tar2sqfs_command('tar2sqfs', '/o.sqfs', 'zstd', 4)
    assert argv[-1] == '/o.sqfs'
    assert argv[argv.index('--compressor') + 1] == 'zstd'
    assert argv[argv.index('--num-jobs') + 1] == '4'


def test_default_and_dockerfile_deffile(tmp_path):
    assert _sif.default_deffile('casa/x:1') == 'bootstrap: docker-daemon\nfrom: casa/x:1\n'
    assert _sif.HAS_SPYTHON, 'spython (requirements.txt) is needed'
    dockerfile = tmp_path / 'Dockerfile'
    dockerfile.write_text('FROM debian:bookworm\nENV A=1\nRUN echo hi\nENTRYPOINT ["/bin/echo"]\nCMD ["x"]\n')
    text = _sif.dockerfile_deffile(str(dockerfile), 'casa/x:1')
    assert 'Bootstrap: docker' in text
    assert text.count('echo hi') == 1
    assert '%runscript' in text and '%environment' in text


# ---------------------------------------------------------------- decisions (fake daemon)
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


def converter_params(dest, **extra):
    params = {'image': 'casa/x:1', 'archive': None, 'pull': False, 'dest': str(dest), 'backend': 'native',
              'compression': 'gzip', 'jobs': None, 'dockerfile': None, 'force': False, 'metadata': {},
              'v2_files': False, 'registry_username': None, 'registry_password': None}
    params.update(extra)
    return params


def test_converter_up_to_date_and_reasons(tmp_path):
    dest = tmp_path / 'x.sif'
    info = {'Id': 'sha256:' + '1' * 64, 'Config': {}, 'Architecture': 'amd64', 'RepoDigests': []}
    labels = {_sif.LABEL_SOURCE_ID: info['Id'], _sif.LABEL_COMPRESSION: 'gzip', _sif.LABEL_SIF_IMAGE_ID: 'u'}
    meta = {'data': {'attributes': {'labels': labels}}, 'type': 'container'}
    write_sif(dest, [(6, 'inspect-metadata.json', json.dumps(meta).encode(), b''),
                     (4, 'rootfs', bytes(64), struct.pack('<ii3s', 1, 2, b'02\0'))])
    side = {'source_image_id': info['Id'], 'size': dest.stat().st_size, 'image_id': 'u', 'sha256': 's'}
    (tmp_path / 'x.sif.json').write_text(json.dumps(side))
    client = FakeClient({'casa/x:1': info})
    result = _sif.SingularityConverter(converter_params(dest), client, check_mode=True).run()
    assert not result['changed'] and result['build_reason'] is None
    result = _sif.SingularityConverter(converter_params(dest, compression='zstd'), client, check_mode=True).run()
    assert result['changed'] and 'compression changed' in result['build_reason']
    other = dict(info, Id='sha256:' + '2' * 64)
    result = _sif.SingularityConverter(converter_params(dest), FakeClient({'casa/x:1': other}), True).run()
    assert result['changed'] and 'source image changed' in result['build_reason']
    assert result['diff']['before']['source_image_id'] == info['Id']
    assert result['diff']['after'] == {'source_image_id': other['Id'], 'sha256': None, 'size': None}
    result = _sif.SingularityConverter(converter_params(dest, force=True), client, True).run()
    assert result['build_reason'] == 'force=true'
    # A stale side file is repaired without converting.
    (tmp_path / 'x.sif.json').write_text('{}')
    result = _sif.SingularityConverter(converter_params(dest), client, True).run()
    assert result['changed'] and not result['converted']
    assert 'Would rewrite the side file' in result['actions'][0]


def test_converter_missing_source(tmp_path):
    with pytest.raises(_sif.SifError, match='not in the Docker daemon'):
        _sif.SingularityConverter(converter_params(tmp_path / 'x.sif'), FakeClient({})).run()
    result = _sif.SingularityConverter(converter_params(tmp_path / 'x.sif', pull=True), FakeClient({}),
                                       check_mode=True).run()
    assert result['changed'] and result['actions'][-1].startswith('Would pull casa/x:1')
    with pytest.raises(_sif.SifError, match='directory of dest'):
        _sif.SingularityConverter(converter_params(tmp_path / 'no' / 'x.sif'), FakeClient({})).run()


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


class SavingClient(FakeClient):
    def saved_image(self, reference, chunk_size=1 << 20):
        return [b'docker-archive of ' + reference.encode()]


def test_apptainer_backend_through_spython(tmp_path, monkeypatch):
    assert _sif.HAS_SPYTHON, 'spython (requirements.txt) is needed'
    import sys
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    fake = bindir / 'apptainer'
    fake.write_text(FAKE_APPTAINER % {'python': sys.executable, 'desc': _sif._SIF_DESCRIPTOR.format,
                                      'head': _sif._SIF_HEADER.format})
    fake.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ.get('PATH', '/usr/bin:/bin')))
    info = {'Id': 'sha256:' + '3' * 64, 'Config': {'Labels': {'a': 'b'}}, 'Architecture': 'amd64',
            'RepoDigests': ['casa/x@sha256:' + '4' * 64]}
    dest = tmp_path / 'out' / 'x.sif'
    dest.parent.mkdir()
    client = SavingClient({'casa/x:1': info})
    result = _sif.SingularityConverter(converter_params(dest, backend='auto', compression='zstd'), client).run()
    assert result['changed'] and result['converted'] and result['backend'] == 'apptainer'
    labels = _sif.sif_labels_of(str(dest))
    assert labels[_sif.LABEL_SOURCE_ID] == info['Id']
    assert labels[_sif.LABEL_SOURCE_DIGEST] == 'sha256:' + '4' * 64
    assert labels['org.label-schema.usage.apptainer.version'] == 'fake'
    assert result['metadata']['backend'] == 'apptainer' and result['metadata']['compression'] == 'zstd'
    assert sorted(os.listdir(str(dest.parent))) == ['x.sif', 'x.sif.json']  # work directory removed
    again = _sif.SingularityConverter(converter_params(dest, backend='auto', compression='zstd'), client).run()
    assert not again['changed']
    monkeypatch.setenv('FAKE_APPTAINER_FAIL', '1')
    with pytest.raises(_sif.SifError, match='apptainer build failed.*fake build failure'):
        _sif.SingularityConverter(converter_params(dest, backend='apptainer', force=True), client).run()
    assert sorted(os.listdir(str(dest.parent))) == ['x.sif', 'x.sif.json']


def test_space_hint_from_the_message_or_the_free_space(tmp_path):
    output = str(tmp_path / 'rootfs.sqfs')
    assert 'no space left in %s' % tmp_path in _sif._space_hint('write: No space left on device', output)
    # tar2sqfs only says "I/O error" on a full filesystem: the free space decides.
    assert _sif._space_hint('rsh: I/O error.', output, low_water=0) == ''
    assert 'no space left' in _sif._space_hint('rsh: I/O error.', output, low_water=1 << 62)
