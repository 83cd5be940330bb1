# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils import _process
from ansible_collections.casa.distro.plugins.module_utils._errors import InputError
from ansible_collections.casa.distro.plugins.module_utils._git import arguments as git_arguments


def test_upload_pack_url_names_the_option_danger():
    with pytest.raises(InputError, match=r"starts with \"-\", which git would read as an option"):
        git_arguments.validate_url('--upload-pack=touch /x; false', 'url')
    with pytest.raises(InputError, match=r'the ext:: remote-helper transport can run commands'):
        git_arguments.validate_url('ext::sh -c x', 'url')


@pytest.mark.parametrize('url', ['https://github.com/populse/soma-base.git', 'http://h/r', 'ssh://git@h:22/r.git',
                                 'git://h/r', 'file:///srv/r.git', 'git@github.com:populse/soma-base.git',
                                 'host:path/r', '/srv/git/r.git', 'relative/repo', './r', 'git+ssh://h/r',
                                 'https://user:token@h/r.git'])
def test_valid_urls(url):
    assert git_arguments.validate_url(url, 'url') == url


@pytest.mark.parametrize('name', ['-x', '--upload-pack=y', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[',
                                  'a\\b', '/a', 'a/', 'a//b', 'a.', '.a', 'a/.b', 'a.lock', 'a@{1}', '@', '', 'a\nb'])
def test_invalid_refs(name):
    with pytest.raises(InputError, match=r'^plan: .* is not a valid git ref name'):
        git_arguments.validate_ref(name, 'plan')
    if name and not name.startswith('-') and '\n' not in name:
        # the same verdict as git's own rules
        assert _process.run(['git', 'check-ref-format', '--allow-onelevel', name], check=False).rc != 0


def test_branch_and_commit_validation():
    with pytest.raises(InputError, match=r"^branch: 'HEAD' is not a valid git branch name \(HEAD is not a branch\)$"):
        git_arguments.validate_branch('HEAD')
    with pytest.raises(InputError, match="bug_fix_branch: '-f' is not a valid git branch name"):
        git_arguments.validate_branch('-f', 'bug_fix_branch')
    assert git_arguments.is_commit_id('a' * 40) and git_arguments.is_commit_id('0' * 64)
    assert not git_arguments.is_commit_id('A' * 40) and not git_arguments.is_commit_id('abc') and not git_arguments.is_commit_id(None)
    with pytest.raises(InputError, match='not a full commit id'):
        git_arguments.validate_commit('--all')


@pytest.mark.parametrize('text, shown', [
    ('https://user:s3cret@host/r.git', 'https://user:***@host/r.git'),
    ('https://ghp_token@github.com/r', 'https://***@github.com/r'),
    ("fatal: unable to access 'http://u:p@h:1/x/': refused", "fatal: unable to access 'http://u:***@h:1/x/': refused"),
    ('ssh://git@host/r', 'ssh://git@host/r'),
    ('ssh://git:pw@host/r', 'ssh://git:***@host/r'),
    ('git@github.com:a/b.git', 'git@github.com:a/b.git'),
    ('no url', 'no url'),
])
def test_redact(text, shown):
    assert git_arguments.redact(text) == shown
    assert git_arguments.redact([text, {'k': text}, 3]) == [shown, {'k': shown}, 3]
