# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""YAML: the input files (read with _files.read_yaml) name the file in every error; the plan's YAML text."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._files import FileFormatError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import load_components
from ansible_collections.casa.distro.plugins.module_utils._release_plan.yaml_files import read_optional_text, yaml_text


def test_release_plan_error_is_a_casa_error():
    error = ReleasePlanError('bad', file='x')
    assert isinstance(error, CasaError) and error.msg == 'bad' and error.details == {'file': 'x'}


def test_yaml_errors_name_the_file(tmp_path):
    path = tmp_path / 'components.yml'
    path.write_text('components: [a\n')
    # The file, its line and column, and what is wrong.
    with pytest.raises(FileFormatError, match='^%s:2:1: invalid YAML: ' % path):
        load_components(str(path))


def test_unreadable_files_name_the_file(tmp_path):
    with pytest.raises(CasaError, match='%s: the components file does not exist' % (tmp_path / 'none.yml')):
        load_components(str(tmp_path / 'none.yml'))
    path = tmp_path / 'latin1.yml'
    path.write_bytes(b'components: [\xe9]\n')
    with pytest.raises(CasaError, match='%s: not UTF-8 text' % path):
        load_components(str(path))


def test_optional_text_and_yaml_text(tmp_path):
    assert read_optional_text(str(tmp_path / 'none')) is None
    (tmp_path / 'x').write_text('x\n')
    assert read_optional_text(str(tmp_path / 'x')) == 'x\n'
    assert yaml_text({'b': 1, 'a': [1]}) == 'b: 1\na:\n- 1\n'
