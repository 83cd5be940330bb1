# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError, failure_of
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError, show


def test_subuser_error_is_a_casa_error():
    error = SubuserError('x.json:1:2: invalid JSON: bad', file='x.json', line=1)
    assert isinstance(error, CasaError)
    assert failure_of(error) == ('x.json:1:2: invalid JSON: bad', {'file': 'x.json', 'line': 1})


def test_show_quotes_and_cuts():
    assert show(['a', 1]) == '["a", 1]'
    assert show({1, 2}).startswith('{')  # not JSON: its repr
    assert len(show('x' * 500)) == 120 and show('x' * 500).endswith('...')
