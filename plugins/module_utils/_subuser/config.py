# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The JSON files of a repository, and the schema of ``.subuser.json`` at its root."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._files import FileFormatError, parse_json
from ansible_collections.casa.distro.plugins.module_utils._subuser.constraints import validate_constraints
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError, show
from ansible_collections.casa.distro.plugins.module_utils._subuser.layout import CONFIG_KEYS, SUBUSER_JSON
from ansible_collections.casa.distro.plugins.module_utils._subuser.schema import SUBUSER_JSON_SCHEMA, checked


def load_json(data, where):
    """Parse JSON bytes or text; a SubuserError names the file, line and column on failure."""
    try:
        return parse_json(data, where)
    except FileFormatError as exc:
        raise SubuserError(exc.msg, **exc.details)


def _config_warnings(config, where):
    warnings = ['%s: unknown key %s is ignored' % (where, show(key, 80)) for key in config if key not in CONFIG_KEYS]
    if 'subuser-repository-root' in config and 'image-sources-dir' not in config:
        warnings.append('%s: "subuser-repository-root" was renamed "image-sources-dir"; '
                        'subuser no longer reads it' % where)
    return warnings


def check_config(config, where):
    """Check the parsed .subuser.json against its schema; returns its warnings."""
    present = {k: v for k, v in config.items() if v is not None} if isinstance(config, dict) else config
    checked(SUBUSER_JSON_SCHEMA, present, where)
    warnings = _config_warnings(config, where)
    if 'subuser-version-constraints' in config:
        validate_constraints(config['subuser-version-constraints'], where)
    return warnings


def read_config(repository):
    """.subuser.json at the repository root, checked; {} when there is none."""
    tree = repository.tree
    where = repository.where(SUBUSER_JSON)
    if not tree.isfile(SUBUSER_JSON, where):
        return {}
    config = load_json(tree.read(SUBUSER_JSON, where), where)
    repository.warnings.extend(check_config(config, where))
    return config
