# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import errno

import pytest

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError
from ansible_collections.casa.distro.plugins.module_utils._module import registry_auth, run_module


class Exited(Exception):
    pass


class FakeModule:
    """Records what the boundary hands to Ansible."""

    def __init__(self, diff=False):
        self._diff = diff
        self.outcome = None

    def exit_json(self, **result):
        self.outcome = ('exit', result)
        raise Exited()

    def fail_json(self, **result):
        self.outcome = ('fail', result)
        raise Exited()


class Runner:
    def __init__(self, error=None, partial=None):
        self.error = error
        self.partial = partial

    def run(self):
        if self.error:
            raise self.error
        return dict(changed=True, diff={'before': 1, 'after': 2})

    def partial_results(self):
        if self.partial is None:
            raise ValueError('no partial results')
        return dict(self.partial)


def outcome(runner, diff=False):
    module = FakeModule(diff)
    with pytest.raises(Exited):
        run_module(module, lambda m: runner)
    return module.outcome


def test_success_drops_the_diff_unless_asked():
    assert outcome(Runner()) == ('exit', {'changed': True})
    assert outcome(Runner(), diff=True) == ('exit', {'changed': True, 'diff': {'before': 1, 'after': 2}})


def test_a_project_error_fails_with_its_details_and_the_partial_results():
    error = CasaError('push of x failed', command=['docker'], failed=False)
    kind, result = outcome(Runner(error, partial={'images': ['a'], 'diff': {}, 'msg': 'not this one'}))
    assert kind == 'fail'
    assert result == {'msg': 'push of x failed', 'command': ['docker'], 'images': ['a']}


def test_os_errors_and_bugs_never_escape():
    kind, result = outcome(Runner(OSError(errno.ENOSPC, 'No space left on device', '/srv/out')))
    assert (kind, result['msg']) == ('fail', '/srv/out: No space left on device')
    kind, result = outcome(Runner(KeyError('tag'), partial={'done': 1}))
    assert kind == 'fail' and 'This is a bug in casa.distro' in result['msg']
    assert "KeyError: 'tag'" in result['exception'] and result['done'] == 1


def test_a_failure_while_making_the_runner_or_collecting_partial_results_keeps_the_first_error():
    module = FakeModule()

    def broken(dummy):
        raise CasaError('bad option')
    with pytest.raises(Exited):
        run_module(module, broken)
    assert module.outcome == ('fail', {'msg': 'bad option'})
    assert outcome(Runner(CasaError('first'), partial=None)) == ('fail', {'msg': 'first'})


def test_registry_auth_only_with_a_user():
    assert registry_auth({'registry_username': None, 'registry_password': 'x'}) is None
    assert registry_auth({'registry_username': 'u', 'registry_password': None}) == {'username': 'u', 'password': ''}
