# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Version files: detect, read and rewrite; the versions they hold."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._files import decode_text
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.version_files import (
    detect_version_file, parse_version, read_version, version_file_candidates, write_version)
from ansible_collections.casa.distro.plugins.module_utils._versions import Version
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings

CMAKE = '''# comment
set( BRAINVISA_PACKAGE_NAME soma-base )
set( BRAINVISA_PACKAGE_VERSION_MAJOR 5 )
set( BRAINVISA_PACKAGE_VERSION_MINOR 1 )
set( BRAINVISA_PACKAGE_VERSION_PATCH 2 )
'''

INFO_PY = '''# info
version_major = 1
version_minor = 10
version_micro = 0
version_extra = ''
'''

PYPROJECT = '''[build-system]
requires = ["setuptools"]
version = "9.9.9"

[project]
name = "thing"
version = "0.3.0"  # the version

[tool.other]
version = "7"
'''


# ------------------------------------------------------------------ versions
# The Version type itself (order, equality, bump, garbage) is tested in test__versions.py.
def test_parse_version_names_where():
    with pytest.raises(ReleasePlanError, match='plan.yml: x.planned_version'):
        parse_version('one', 'plan.yml: x.planned_version')


# ------------------------------------------------------------------ version files
def test_cmake_read_and_rewrite_keeps_the_rest():
    assert read_version('project_info.cmake', CMAKE) == Version('5.1.2')
    text = write_version('project_info.cmake', CMAKE, Version('5.2.0'))
    assert read_version('project_info.cmake', text) == Version('5.2.0')
    assert text.replace('5 )\nset( BRAINVISA_PACKAGE_VERSION_MINOR 2 )\nset( BRAINVISA_PACKAGE_VERSION_PATCH 0', 'X') == \
        CMAKE.replace('5 )\nset( BRAINVISA_PACKAGE_VERSION_MINOR 1 )\nset( BRAINVISA_PACKAGE_VERSION_PATCH 2', 'X')


def test_cmake_missing_key_named():
    with pytest.raises(ReleasePlanError, match='project_info.cmake: no set\\(BRAINVISA_PACKAGE_VERSION_PATCH'):
        read_version('project_info.cmake', CMAKE.replace('PATCH', 'OTHER'))


def test_info_py_read_and_rewrite():
    assert str(read_version('python/soma/info.py', INFO_PY)) == '1.10.0'
    text = write_version('python/soma/info.py', INFO_PY, Version('1.10.1'))
    assert 'version_micro = 1\n' in text and "version_extra = ''" in text and 'version_minor = 10\n' in text
    # Two numbers are padded to three, as brainvisa-cmake did.
    assert 'version_micro = 0' in write_version('info.py', INFO_PY, Version('2.0'))


def test_info_py_refuses_four_numbers():
    with pytest.raises(ReleasePlanError, match='does not fit'):
        write_version('info.py', INFO_PY, Version('1.2.3.4'))


def test_pyproject_reads_the_project_table_only():
    assert read_version('pyproject.toml', PYPROJECT) == Version('0.3.0')
    text = write_version('pyproject.toml', PYPROJECT, Version('0.3.1'))
    assert 'version = "0.3.1"  # the version' in text
    assert 'version = "9.9.9"' in text and 'version = "7"' in text


def test_pyproject_dynamic_version_is_not_a_version_file():
    with pytest.raises(ReleasePlanError, match='no static version'):
        read_version('pyproject.toml', '[project]\nname = "x"\ndynamic = ["version"]\n')


def test_plain_version_file():
    assert read_version('VERSION', '2.0\n') == Version('2.0')
    assert write_version('VERSION', '2.0\n', Version('2.0.1')) == '2.0.1\n'
    with pytest.raises(ReleasePlanError, match='VERSION'):
        read_version('VERSION', 'not a version\n')


def test_candidates_follow_brainvisa_cmake_order():
    root = {'project_info.cmake', 'info.py', 'pyproject.toml', 'VERSION', 'python', 'pkg'}
    subdirs = {'python': {'soma'}, 'python/soma': {'info.py'}, 'pkg': {'info.py'}}
    assert version_file_candidates(root, subdirs) == [
        'project_info.cmake', 'python/soma/info.py', 'pkg/info.py', 'info.py', 'pyproject.toml', 'VERSION']


def test_detect_skips_files_without_a_version():
    files = {'pyproject.toml': '[project]\ndynamic = ["version"]\n', 'VERSION': '3.1\n'}
    path, version = detect_version_file(['pyproject.toml', 'VERSION'], files.__getitem__)
    assert (path, version) == ('VERSION', Version('3.1'))


def test_detect_reports_every_reason():
    with pytest.raises(ReleasePlanError, match='no usable version file: VERSION'):
        detect_version_file(['VERSION'], lambda path: 'garbage words\n')
    with pytest.raises(ReleasePlanError, match='no version file found'):
        detect_version_file([], lambda path: '')


# ------------------------------------------------------------------ property-based (issue 9)
NUMBER = st.one_of(st.integers(min_value=0, max_value=10 ** 6).map(str), st.just('9' * 5000), st.from_regex(r'\A[0-9]{1,30}\Z'),
                   st.text(max_size=8), st.sampled_from(['', '-1', '1.2', '"3"', '\xff', 'rc1']))
TEMPLATES = {
    'project_info.cmake': lambda n: 'set( BRAINVISA_PACKAGE_NAME x )\n' + ''.join(
        'set( BRAINVISA_PACKAGE_VERSION_%s %s )\n' % (part, number) for part, number in zip(('MAJOR', 'MINOR', 'PATCH'), n)),
    'python/soma/info.py': lambda n: ''.join('version_%s = %s\n' % (part, number) for part, number in zip(('major', 'minor', 'micro'), n)),
    'pyproject.toml': lambda n: '[project]\nname = "x"\nversion = "%s"\n' % '.'.join(n),
    'VERSION': lambda n: '.'.join(n) + '\n',
}


def version_file_bytes(path):
    templated = st.lists(NUMBER, min_size=0, max_size=4).map(TEMPLATES[path]).map(lambda text: text.encode('utf-8', 'surrogatepass'))
    return st.one_of(templated, templated.flatmap(
        lambda data: st.tuples(st.integers(0, len(data)), st.binary(max_size=6)).map(lambda cut: data[:cut[0]] + cut[1] + data[cut[0]:])),
        st.binary(max_size=120), st.text(max_size=120).map(lambda text: text.encode('utf-8', 'surrogatepass')))


def read_and_rewrite(path, data):
    text = decode_text(data, path)
    version = read_version(path, text)
    write_version(path, text, Version('1.2.4'))
    return version


@pytest.mark.parametrize('path', sorted(TEMPLATES))
def test_version_file_parser_accepts_or_names_the_file(path):
    @fuzz_settings
    @given(version_file_bytes(path))
    def run(data):
        check_parser('release plan version file %s' % path.rsplit('/', 1)[-1], lambda: read_and_rewrite(path, data), path)
    run()
