# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The components file: defaults, validation, selection."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ansible_collections.casa.distro.plugins.module_utils._files import parse_yaml
from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import (
    COMPONENT_KEYS, DEFAULT_KEYS, load_components, parse_components, select_components)
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._schema import SchemaError
from ansible_collections.casa.distro.tests.unit.plugins.module_utils._release_plan.release_plan_strategies import (
    HOSTILE_TEXTS, file_bytes, mapping_with, values)
from ansible_collections.casa.distro.tests.unit.utils.fuzz import check_parser, fuzz_settings


# ------------------------------------------------------------------ inputs
def test_components_defaults_and_validation():
    data = {'defaults': {'latest_release_branch': 'release', 'tag_format': 'v{version}'},
            'components': [{'name': 'soma-base', 'project': 'soma', 'url': 'git@x:soma-base.git'},
                           {'name': 'aims', 'url': 'git@x:aims.git', 'latest_release_branch': 'lr'}]}
    found = parse_components(data, 'components.yml')
    assert [c.name for c in found] == ['soma-base', 'aims']
    assert found[0].latest_release_branch == 'release' and found[1].latest_release_branch == 'lr'
    assert found[1].project == 'aims' and found[0].bug_fix_branch is None
    assert found[0].tag_name('1.2.3') == 'v1.2.3'


def test_components_mapping_form():
    found = parse_components({'components': {'a': {'url': 'u'}}}, 'c.yml')
    assert found[0].name == 'a' and found[0].url == 'u'


@pytest.mark.parametrize('data, message', [
    ({'components': [{'name': 'a'}]}, r'^c.yml: components\[0\].url: required key is missing$'),
    ({'components': [{'name': 'a', 'url': 'u', 'branch': 'x'}]},
     r'^c.yml: components\[0\].branch: unknown key; valid keys: bug_fix_branch, latest_release_branch, name'),
    ({'components': [{'name': 'a', 'url': 'u'}, {'name': 'a', 'url': 'v'}]}, 'component a is listed twice'),
    ({'components': [{'name': 'a', 'url': 'u', 'tag_format': 'v{x}'}]}, 'tag_format .* must contain {version}'),
    ({'components': [{'name': 'a', 'url': 'u', 'version_file': 3}]}, r'^c.yml: components\[0\].version_file: expected a string, got an integer 3$'),
    ({'comps': []}, 'expected a mapping with a components key'),
    ({'components': [], 'extra': 1}, r'^c.yml: extra: unknown key; valid keys: components, defaults$'),
    # The crash classes of issue 9: a number or list where a string is expected, keys that are not strings.
    ({'components': [{'name': 5, 'url': 'u'}]}, r'^c.yml: components\[0\].name: expected a non-empty string, got an integer 5$'),
    ({'components': [{'name': 'a', 'url': ['u']}]}, r"^c.yml: components\[0\].url: expected a non-empty string, got a list \['u'\]$"),
    ({'components': [{True: 'a', 'url': 'u'}]}, r'^c.yml: components\[0\]: keys must be strings, got a boolean True$'),
    ({'components': {1: {'url': 'u'}}}, r'^c.yml: components: keys must be strings, got an integer 1$'),
    ({'components': {'a': ['u']}}, r"^c.yml: components.a: expected a component mapping, got a list \['u'\]$"),
    ({'components': 'a'}, r"^c.yml: components: expected a list or a mapping of components, got 'a'$"),
    ({'components': [], 'defaults': [1]}, r'^c.yml: defaults: expected a mapping of default settings, got a list \[1\]$'),
    ([1], r'^c.yml: expected a mapping with a components key, got \[1\]$'),
])
def test_components_errors_name_file_and_key(data, message):
    with pytest.raises((ReleasePlanError, SchemaError), match=message):
        parse_components(data, 'c.yml')


def test_select_components_patterns_and_unknown():
    components = parse_components({'components': [{'name': n, 'url': n} for n in ('soma-base', 'soma-io', 'aims')]})
    assert [c.name for c in select_components(components, ['aims', 'soma-*'])] == ['soma-base', 'soma-io', 'aims']
    with pytest.raises(ReleasePlanError, match="'nope' matches no component.*known: soma-base, soma-io, aims"):
        select_components(components, ['nope'])


@pytest.mark.parametrize('url', ['--upload-pack=touch PWNED; false', '-oProxyCommand=x', 'ext::sh -c touch% PWNED', 'fd::3'])
def test_a_url_git_would_run_is_refused_naming_file_component_and_value(url):
    with pytest.raises(ReleasePlanError) as caught:
        parse_components({'components': [{'name': 'ok', 'url': 'https://x/ok.git'}, {'name': 'evil', 'url': url}]}, 'c.yml')
    message = str(caught.value)
    assert message.startswith('c.yml: components[1]: component evil: url: %r is not a valid git repository URL (' % url)
    assert caught.value.details == {'file': 'c.yml', 'component': 'evil', 'value': url}


@pytest.mark.parametrize('value', ['/etc/passwd', '../x/VERSION', '.git/config'])
def test_a_version_file_out_of_the_repository_is_refused(value):
    with pytest.raises(ReleasePlanError, match=r"c.yml: components\[0\]: component a: version_file '%s' must" % value.replace('.', r'\.')):
        parse_components({'components': [{'name': 'a', 'url': 'u', 'version_file': value}]}, 'c.yml')


def test_load_components_names_the_file(tmp_path):
    path = tmp_path / 'components.yml'
    path.write_text('components:\n  - {name: a, url: "--upload-pack=touch x"}\n')
    with pytest.raises(ReleasePlanError, match="%s: components\\[0\\]: component a: url: '--upload-pack=touch x' is not a valid git repository URL" % path):
        load_components(str(path))


# ------------------------------------------------------------------ property-based (issue 9)
GOOD_SETTINGS = st.one_of(st.sampled_from(['soma', 'main', 'latest_release', 'VERSION', 'python/soma/info.py', 'v{version}',
                                           'https://github.com/brainvisa/soma.git', 'git@github.com:brainvisa/soma.git']),
                          st.sampled_from(HOSTILE_TEXTS))
COMPONENT = mapping_with(list(COMPONENT_KEYS), GOOD_SETTINGS)
COMPONENTS_DOCUMENTS = st.one_of(
    st.fixed_dictionaries({'components': st.lists(COMPONENT, max_size=4)}, optional={'defaults': mapping_with(list(DEFAULT_KEYS), GOOD_SETTINGS)}),
    st.fixed_dictionaries({'components': st.dictionaries(st.text(max_size=8), st.one_of(st.none(), COMPONENT), max_size=3)}),
    values)


@fuzz_settings
@given(file_bytes(COMPONENTS_DOCUMENTS))
def test_components_file_parser_accepts_or_names_the_file(data):
    where = 'release/components.yml'
    check_parser('release plan components file', lambda: parse_components(parse_yaml(data, where), where), where)
