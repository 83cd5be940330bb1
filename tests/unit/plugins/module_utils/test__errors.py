# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import errno

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError, InputError, failure_of


def test_a_project_error_keeps_its_message_and_details():
    error = InputError('plan.yml: components: expected a mapping, got 5', file='plan.yml', key='components')
    assert isinstance(error, CasaError) and str(error) == error.msg
    assert failure_of(error) == ('plan.yml: components: expected a mapping, got 5',
                                 {'file': 'plan.yml', 'key': 'components'})


def test_os_errors_name_the_paths():
    msg, details = failure_of(PermissionError(errno.EACCES, 'Permission denied', '/srv/x'))
    assert msg == '/srv/x: Permission denied' and details == {'errno': errno.EACCES, 'path': '/srv/x'}
    msg, dummy = failure_of(OSError(errno.EXDEV, 'Invalid cross-device link', '/a', None, '/b'))
    assert msg == '/a -> /b: Invalid cross-device link'


def test_decoding_and_nesting_errors_become_clear_messages():
    msg, dummy = failure_of(UnicodeDecodeError('utf-8', b'\xff', 0, 1, 'invalid start byte'))
    assert msg.startswith('Text that is not valid UTF-8 was found')
    assert failure_of(RecursionError('maximum recursion depth exceeded'))[0] == 'An input is nested too deeply to be processed'


def test_anything_else_is_reported_as_a_bug_with_its_traceback():
    msg, details = None, None
    try:
        {}['tag']  # pylint: disable=pointless-statement
    except KeyError as exc:
        msg, details = failure_of(exc)
    assert msg.startswith("Unexpected KeyError in casa.distro: 'tag'. This is a bug in casa.distro")
    assert 'Traceback' in details['exception'] and "KeyError: 'tag'" in details['exception']
