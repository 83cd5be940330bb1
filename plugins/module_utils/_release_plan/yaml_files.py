# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The YAML text of the plan file (the input files are read with _files.read_yaml), and the
optional text of a plan or report not written yet."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._files import read_text

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
    try:
        _YAML_DUMPER = yaml.CSafeDumper
    except AttributeError:  # PyYAML without libyaml: slower, same output
        _YAML_DUMPER = yaml.SafeDumper
except ImportError as exc:  # pragma: no cover - reported by the module with missing_required_lib
    yaml = None
    HAS_YAML = False
    YAML_IMPORT_ERROR = exc


def yaml_text(data):
    """The block-style YAML of ``data``, keys in their given order."""
    return yaml.dump(data, Dumper=_YAML_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)


def read_optional_text(path, what='file'):
    """The text of ``path``, or None when it does not exist (a plan or report not written yet)."""
    if not os.path.exists(path):
        return None
    return read_text(path, what)
