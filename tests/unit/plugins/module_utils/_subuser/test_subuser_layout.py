# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.layout import check_relative_path


@pytest.mark.parametrize('path', ['../x', 'a/../../x', '/etc/passwd', '..'])
def test_paths_leaving_the_repository(path):
    with pytest.raises(SubuserError, match='absolute|leaves the repository'):
        check_relative_path(path, 'image-sources-dir')


def test_relative_paths_normalised():
    assert check_relative_path('./images/', 'x') == 'images'
    assert check_relative_path('.', 'x') == ''
    assert check_relative_path('a/../b', 'x') == 'b'
