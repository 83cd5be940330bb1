# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.deffile: the definition file embedded in the SIF."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._sif import deffile
from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError


def test_default_and_dockerfile_deffile(tmp_path):
    assert deffile.default_deffile('casa/x:1') == 'bootstrap: docker-daemon\nfrom: casa/x:1\n'
    assert deffile.HAS_SPYTHON, 'spython (requirements.txt) is needed'
    dockerfile = tmp_path / 'Dockerfile'
    dockerfile.write_text('FROM debian:bookworm\nENV A=1\nRUN echo hi\nENTRYPOINT ["/bin/echo"]\nCMD ["x"]\n')
    text = deffile.dockerfile_deffile(str(dockerfile), 'casa/x:1')
    assert 'Bootstrap: docker' in text
    assert text.count('echo hi') == 1
    assert '%runscript' in text and '%environment' in text


def test_dockerfile_deffile_without_spython(tmp_path, monkeypatch):
    monkeypatch.setattr(deffile, 'HAS_SPYTHON', False)
    with pytest.raises(SifError, match='needs spython'):
        deffile.dockerfile_deffile(str(tmp_path / 'Dockerfile'), 'casa/x:1')
