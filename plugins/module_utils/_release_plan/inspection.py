# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Inspection: the facts the rules need about one component, read from its remote and its
working clone (branches, tags, versions at the branch heads, ancestry)."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError
from ansible_collections.casa.distro.plugins.module_utils._git.client import default_branch
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.version_files import detect_version_file, read_version
from ansible_collections.casa.distro.plugins.module_utils._release_plan.working_clone import open_clone, remote_refs


def empty_facts(component):
    return {'url': component.url, 'default_branch': None, 'version_file': None, 'tags': {},
            'bug_fix': {'branch': component.bug_fix_branch, 'commit': None, 'version': None},
            'latest_release': {'branch': component.latest_release_branch, 'commit': None, 'version': None},
            'latest_release_in_bug_fix': None, 'errors': []}


def _read_branches(facts, component, remote):
    """The tags and the heads of bug_fix (the default branch unless set) and latest_release."""
    facts['tags'] = remote['tags']
    if not component.bug_fix_branch:
        facts['default_branch'] = default_branch(remote, component.url, hint='set bug_fix_branch')
        facts['bug_fix']['branch'] = facts['default_branch']
    bf_branch = facts['bug_fix']['branch']
    bf_commit = remote['heads'].get(bf_branch)
    if not bf_commit:
        raise ReleasePlanError('bug_fix branch %s does not exist in %s (branches: %s)'
                               % (bf_branch, component.url, ', '.join(sorted(remote['heads'])) or 'none'))
    facts['bug_fix']['commit'] = bf_commit
    facts['latest_release']['commit'] = remote['heads'].get(component.latest_release_branch)


def _version_at(clone, commit, path):
    """The version file (the one given, else the detected one) and its version at ``commit``."""
    if path:
        return path, read_version(path, clone.read(commit, path))
    return detect_version_file(clone.candidates(commit), lambda candidate: clone.read(commit, candidate))


def _read_versions(facts, component, clone):
    bf_commit, lr_commit = facts['bug_fix']['commit'], facts['latest_release']['commit']
    clone.ensure_commits({facts['bug_fix']['branch']: bf_commit, component.latest_release_branch: lr_commit})
    path, version = _version_at(clone, bf_commit, component.version_file)
    facts['bug_fix']['version'] = str(version)
    facts['version_file'] = path
    if lr_commit and lr_commit != bf_commit:
        try:
            version = read_version(path, clone.read(lr_commit, path))
        except ReleasePlanError:
            dummy, version = _version_at(clone, lr_commit, None)
        facts['latest_release']['version'] = str(version)
        facts['latest_release_in_bug_fix'] = clone.is_ancestor(lr_commit, bf_commit)
    elif lr_commit:
        facts['latest_release']['version'] = facts['bug_fix']['version']


def inspect_component(component, work_dir, env):
    """Read what the rules need from the component's remote: branches, tags, versions, ancestry.
    A failure is a fact too: it becomes the entry's error, the other components go on."""
    facts = empty_facts(component)
    try:
        _read_branches(facts, component, remote_refs(component.url, env))
        with open_clone(work_dir, component.name, component.url, env) as clone:
            _read_versions(facts, component, clone)
    except CasaError as exc:
        facts['errors'].append(str(exc))
    return facts
