# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""galaxy.yml is the one source of truth of the collection version; the constant that modules
carry to remote hosts must follow it."""

from __future__ import annotations

import os

import yaml

from ansible_collections.casa.distro.plugins.module_utils._docker_image import version

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..'))


def test_collection_version_is_galaxy_version():
    with open(os.path.join(TOP, 'galaxy.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    assert version.COLLECTION_VERSION == galaxy['version'], (
        'plugins/module_utils/_docker_image/version.py says %s, galaxy.yml says %s: update version.py'
        % (version.COLLECTION_VERSION, galaxy['version']))
