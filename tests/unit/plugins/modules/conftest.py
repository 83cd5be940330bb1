# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.module_utils import _internal


@pytest.fixture(autouse=True)
def module_side(monkeypatch):
    """Run the modules as on a target host. Once a test in the same process has imported
    controller code (the callback tests do), ansible-core sends module warnings to the
    controller's display instead of the module result, and the warnings the tests read vanish."""
    monkeypatch.setattr(_internal, 'is_controller', False)
