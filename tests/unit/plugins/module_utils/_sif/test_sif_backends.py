# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.backends: which back end runs, and ``apptainer build`` through _process
with a stand-in apptainer."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import backends
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError


def test_available_backend():
    def which_none(name):
        return None

    def which_apptainer(name):
        return '/usr/bin/apptainer' if name == 'apptainer' else None
    assert backends.available_backend('auto', which_none) == 'native'
    assert backends.available_backend('auto', which_apptainer) == 'apptainer'
    assert backends.available_backend('native', which_apptainer) == 'native'
    with pytest.raises(SifError, match='singularity is not installed'):
        backends.available_backend('singularity', which_apptainer)


def test_installed_looks_on_path(tmp_path, fake_apptainer):
    assert backends.installed('apptainer') == str(fake_apptainer)
    assert backends.installed('no-such-tool-here') is None
    assert backends.available_backend('auto') == 'apptainer'


def test_tool_recipe():
    assert backends.tool_recipe('/w/image.tar', {'b': '2', 'a': '1'}) == (
        'Bootstrap: docker-archive\nFrom: /w/image.tar\n\n%labels\n    a 1\n    b 2\n')


def test_build_with_tool(tmp_path, fake_apptainer, monkeypatch):
    recipe = tmp_path / 'image.def'
    recipe.write_text(backends.tool_recipe('/w/image.tar', {'io.casa-distro.x': 'y'}))
    out = tmp_path / 'out.sif'
    labels = backends.build_with_tool('apptainer', str(out), str(recipe), 'zstd', 3)
    assert labels == {'org.label-schema.usage.apptainer.version': 'fake', 'io.casa-distro.x': 'y'}
    argv = (tmp_path / 'argv.json').read_text()
    assert '"-comp zstd -processors 3"' in argv
    monkeypatch.setenv('FAKE_APPTAINER_FAIL', '1')
    with pytest.raises(SifError, match=r'apptainer build failed \(rc=3\): FATAL: fake build failure') as info:
        backends.build_with_tool('apptainer', str(out), str(recipe), 'zstd', 3)
    assert info.value.details['rc'] == 3 and info.value.details['command'][0] == str(fake_apptainer)
    monkeypatch.delenv('FAKE_APPTAINER_FAIL')
    monkeypatch.setenv('FAKE_APPTAINER_NO_OUTPUT', '1')
    with pytest.raises(SifError, match='apptainer build produced no SIF: INFO: nothing written'):
        backends.build_with_tool('apptainer', str(tmp_path / 'none.sif'), str(recipe), 'gzip', 1)
