# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's version, the built-in ``casa_version`` template parameter.

galaxy.yml is the one source of truth. Modules run on remote hosts where neither galaxy.yml nor
the collection's MANIFEST.json is shipped (AnsiballZ carries only module_utils), so the version
is a constant here, and a unit test (tests/unit/plugins/module_utils/_docker_image/
test_docker_image_version.py) fails whenever it differs from galaxy.yml's: a release cannot
forget to bump it.
"""

from __future__ import annotations

COLLECTION_VERSION = '0.1.0'
