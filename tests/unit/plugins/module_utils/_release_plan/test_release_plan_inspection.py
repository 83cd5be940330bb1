# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Inspection: the facts of a component, from its remote's refs and its working clone (faked)."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._git.client import GitError, default_branch, parse_ls_remote
from ansible_collections.casa.distro.plugins.module_utils._release_plan import inspection
from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import Component
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError

BF = 'b' * 40
LR = 'a' * 40
OTHER = 'c' * 40


def test_parse_ls_remote():
    text = ('ref: refs/heads/main\tHEAD\n%s\tHEAD\n%s\trefs/heads/main\n%s\trefs/heads/latest_release\n'
            '%s\trefs/tags/1.0\n%s\trefs/tags/1.0^{}\n%s\trefs/tags/light\n' % (BF, BF, LR, OTHER, LR, BF))
    found = parse_ls_remote(text)
    assert found == {'head': 'main', 'heads': {'main': BF, 'latest_release': LR}, 'tags': {'1.0': LR, 'light': BF}}
    remote = parse_ls_remote('%s\trefs/heads/master\n' % BF)
    assert default_branch(remote, 'u') == 'master'
    with pytest.raises(GitError, match='set bug_fix_branch'):
        default_branch(parse_ls_remote('%s\trefs/heads/main\n%s\trefs/heads/master\n' % (BF, LR)), 'u', hint='set bug_fix_branch')


class FakeClone:
    """A working clone holding ``files`` ({commit: {path: text}}) and the ancestry given."""

    def __init__(self, files, ancestor=True):
        self.files = files
        self.ancestor = ancestor
        self.ensured = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def ensure_commits(self, commits):
        self.ensured = commits

    def read(self, commit, path):
        try:
            return self.files[commit][path]
        except KeyError:
            raise ReleasePlanError('c: %s does not exist at commit %s' % (path, commit[:10]))

    def candidates(self, commit):
        return sorted(self.files[commit])

    def is_ancestor(self, ancestor, descendant):
        return self.ancestor


@pytest.fixture
def remote(monkeypatch):
    """Fake the remote and the clone: ``remote(refs, files)``."""
    def install(refs, files, ancestor=True):
        clone = FakeClone(files, ancestor)
        monkeypatch.setattr(inspection, 'remote_refs', lambda url, env=None: refs)
        monkeypatch.setattr(inspection, 'open_clone', lambda work_dir, name, url, env: clone)
        return clone
    return install


def test_facts_of_a_component_to_release(remote):
    refs = {'head': 'main', 'heads': {'main': BF, 'latest_release': LR}, 'tags': {'1.0': OTHER}}
    clone = remote(refs, {BF: {'VERSION': '1.1\n'}, LR: {'VERSION': '1.0\n'}}, ancestor=False)
    facts = inspection.inspect_component(Component('a', 'u'), 'work', {})
    assert facts['bug_fix'] == {'branch': 'main', 'commit': BF, 'version': '1.1'}
    assert facts['latest_release'] == {'branch': 'latest_release', 'commit': LR, 'version': '1.0'}
    assert facts['version_file'] == 'VERSION' and facts['default_branch'] == 'main' and facts['tags'] == {'1.0': OTHER}
    assert facts['latest_release_in_bug_fix'] is False and facts['errors'] == []
    assert clone.ensured == {'main': BF, 'latest_release': LR}


def test_latest_release_version_file_detected_again_when_moved(remote):
    refs = {'head': 'main', 'heads': {'main': BF, 'latest_release': LR}, 'tags': {}}
    remote(refs, {BF: {'pyproject.toml': '[project]\nversion = "2.0"\n'}, LR: {'VERSION': '1.5\n'}})
    facts = inspection.inspect_component(Component('a', 'u'), 'work', {})
    assert facts['latest_release']['version'] == '1.5' and facts['version_file'] == 'pyproject.toml'


def test_errors_become_facts(remote):
    remote({'head': None, 'heads': {'dev': BF, 'other': LR}, 'tags': {}}, {})
    facts = inspection.inspect_component(Component('a', 'u'), 'work', {})
    assert len(facts['errors']) == 1 and 'cannot tell the default branch of u' in facts['errors'][0]
    assert facts['errors'][0].endswith('; set bug_fix_branch')
    remote({'head': 'main', 'heads': {'main': BF}, 'tags': {}}, {BF: {}})
    facts = inspection.inspect_component(Component('a', 'u', bug_fix_branch='release'), 'work', {})
    assert facts['errors'] == ['bug_fix branch release does not exist in u (branches: main)']
    facts = inspection.inspect_component(Component('a', 'u'), 'work', {})
    assert facts['errors'][0].startswith('no version file found')
