# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _sif.publish_links: latest links and the casa-distro v2 layout."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._sif import publish_links


def index_of(latest, md5='a' * 32, source_image_id='sha256:9'):
    return {'images': {'img': {'latest': latest, 'builds': [
        {'file': latest, 'md5': md5, 'source_image_id': source_image_id}]}}}


def test_latest_links_and_v2_files_follow_the_latest_build(tmp_path):
    assert publish_links.update_links(str(tmp_path), index_of('img-1.sif'))
    assert os.readlink(str(tmp_path / 'img-latest.sif')) == 'img-1.sif'
    assert not (tmp_path / 'img.simg.md5').exists()  # v2 layout only when asked
    assert publish_links.update_links(str(tmp_path), index_of('img-1.sif'), v2_names=('img',))
    assert os.readlink(str(tmp_path / 'img.simg')) == 'img-1.sif'
    assert (tmp_path / 'img.simg.md5').read_text() == 'a' * 32  # hex, no newline
    assert (tmp_path / 'img.simg.dockerid').read_text() == 'sha256:9'
    assert publish_links.update_links(str(tmp_path), index_of('img-1.sif')) is False
    # Once there, the v2 files follow later publications without the option.
    assert publish_links.update_links(str(tmp_path), index_of('img-2.sif', md5='b' * 32, source_image_id=None))
    assert os.readlink(str(tmp_path / 'img.simg')) == 'img-2.sif'
    assert (tmp_path / 'img.simg.md5').read_text() == 'b' * 32
