# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Credentials in component URLs: the public URL kept, the secret one reaching git through the
environment only (issue 9)."""

from __future__ import annotations

import shutil

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _process
from ansible_collections.casa.distro.plugins.module_utils._git.client import ls_remote
from ansible_collections.casa.distro.plugins.module_utils._release_plan.credentials import Credentials, public_url


@pytest.mark.parametrize('url, public', [
    ('https://bot:T0KEN@github.com/brainvisa/soma.git', 'https://bot@github.com/brainvisa/soma.git'),
    ('https://T0KEN@github.com/brainvisa/soma.git', 'https://github.com/brainvisa/soma.git'),
    ('http://:T0KEN@host/x.git', 'http://host/x.git'),
    ('ssh://git@host/x.git', 'ssh://git@host/x.git'),
    ('ssh://git:T0KEN@host/x.git', 'ssh://git@host/x.git'),
    ('git@github.com:brainvisa/soma.git', 'git@github.com:brainvisa/soma.git'),
    ('/srv/git/soma.git', '/srv/git/soma.git'),
    ('https://github.com/brainvisa/soma.git', 'https://github.com/brainvisa/soma.git'),
])
def test_public_url_drops_the_secret_only(url, public):
    assert public_url(url) == public


def test_env_rewrites_only_urls_that_had_a_secret():
    credentials = Credentials(['https://bot:T0KEN@h/a.git', 'https://h/b.git'])
    assert credentials.env('https://h/b.git', {'LC_ALL': 'C'}) == {'LC_ALL': 'C'}
    env = credentials.env('https://bot@h/a.git', {'LC_ALL': 'C'})
    assert env == {'LC_ALL': 'C', 'GIT_CONFIG_COUNT': '1', 'GIT_CONFIG_KEY_0': 'url.https://bot:T0KEN@h/a.git.insteadOf',
                   'GIT_CONFIG_VALUE_0': 'https://bot@h/a.git'}


@pytest.mark.skipif(not shutil.which('git'), reason='needs git')
def test_git_reaches_the_secret_url_through_the_environment(tmp_path):
    # The "secret" URL is a local repository; the public one does not exist: only the rewrite reaches it.
    remote = tmp_path / 'remote.git'
    _process.run(['git', 'init', '-q', '--bare', '-b', 'main', str(remote)])
    credentials = Credentials([])
    credentials.secrets['https://example.invalid/remote.git'] = str(remote)
    assert ls_remote('https://example.invalid/remote.git', credentials.env('https://example.invalid/remote.git'))['heads'] == {}
