# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.layout: the tree added to the image filesystem."""

from __future__ import annotations

import io
import tarfile

from ansible_collections.casa.distro.plugins.module_utils._sif import layout, tar_stream


def test_singularity_d_entries_layout():
    config = {'Env': ['A=1'], 'Entrypoint': ['/bin/true'], 'Cmd': None}
    entries = layout.singularity_d_entries(config, '{}', 'bootstrap: docker-daemon\n')
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


def test_tail_tar_adds_only_missing_optional_entries():
    present = tar_stream.NameIndex()
    present.add('tmp')
    present.add('home/user')
    data = layout.tail_tar([('.singularity.d', 'dir', 0o755, None), ('x', 'file', 0o644, 'text')], present, 7)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert tar.extractfile(members['x']).read() == b'text'
    assert 'tmp' not in members
    # home only comes as the parent of home/user: listed once, with the conversion's time.
    assert [m.name for m in members.values()].count('home') == 1
    assert members['home'].isdir() and members['home'].mtime == 7 and members['home'].mode == 0o755
    assert members['proc'].isdir() and members['singularity'].linkname == '.singularity.d/runscript'
    assert members['x'].mtime == 7 and members['x'].uname == 'root'
    assert layout.is_replaced('.dockerenv') and layout.is_replaced('.singularity.d/env/x.sh')
    assert not layout.is_replaced('etc/passwd')
