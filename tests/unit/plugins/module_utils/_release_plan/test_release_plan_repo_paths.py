# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paths inside a repository: what a plan may name as its version file."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._release_plan.repo_paths import normalise, path_problem, resolve_in_tree


@pytest.mark.parametrize('path', ['VERSION', 'python/soma/info.py', './project_info.cmake', 'a/.gitignore'])
def test_paths_inside_the_repository_are_accepted(path):
    assert path_problem(path) is None


@pytest.mark.parametrize('path, reason', [
    ('/etc/passwd', 'not absolute'),
    ('../outside/VERSION', '".."'),
    ('python/../../VERSION', '".."'),
    ('.git/hooks/post-checkout', '.git directory'),
    ('sub/.GIT/config', '.git directory'),
    ('', 'non-empty'),
    (None, 'non-empty'),
    ('.', 'must name a file'),
])
def test_paths_out_of_the_repository_are_refused(path, reason):
    assert reason in path_problem(path)


def test_symlinks_are_followed_in_the_tree():
    links = {'python': 'src/python', 'up': '..', 'abs': '/etc', 'loop': 'loop', 'hooks': '.git/hooks'}
    assert resolve_in_tree('python/info.py', links.get) == 'src/python/info.py'
    assert resolve_in_tree('up/VERSION', links.get) is None
    assert resolve_in_tree('abs/passwd', links.get) is None
    assert resolve_in_tree('loop/x', links.get) is None
    assert resolve_in_tree('hooks/post-checkout', links.get) is None


def test_normalise_is_how_git_names_a_path():
    assert normalise('./python//soma/info.py') == 'python/soma/info.py'
