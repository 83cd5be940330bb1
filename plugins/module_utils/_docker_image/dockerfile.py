# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a Dockerfile builds on: the base images named by its FROM lines."""

from __future__ import annotations

import re

from ansible_collections.casa.distro.plugins.module_utils._image_reference import normalize_reference


def parse_from_lines(dockerfile_text, build_args=None):
    """The base images named by FROM lines, with ARG defaults and build args substituted.

    Stage names (FROM x AS stage, then FROM stage) and ``scratch`` are left out.
    """
    args = {}
    build_args = dict(build_args or {})
    stages = set()
    bases = []
    for raw in _logical_lines(dockerfile_text):
        parts = raw.split()
        if not parts:
            continue
        instruction = parts[0].upper()
        if instruction == 'ARG' and len(parts) >= 2 and not bases:
            key, dummy_sep, default = parts[1].partition('=')
            args[key] = build_args.get(key, default.strip('"\''))
        elif instruction == 'FROM':
            base = _from_base(parts[1:], args, stages)
            if base is not None:
                bases.append(base)
    return bases


def _from_base(words, args, stages):
    """The image of one FROM line, or None for scratch and earlier stages; records ``AS``."""
    words = [w for w in words if not w.startswith('--')]
    if not words:
        return None
    image = re.sub(r'\$\{?(\w+)\}?', lambda m: args.get(m.group(1), ''), words[0])
    if len(words) >= 3 and words[1].upper() == 'AS':
        stages.add(words[2].lower())
    if image.lower() == 'scratch' or image.lower() in stages:
        return None
    return image


def _logical_lines(text):
    """Dockerfile lines with continuations joined and comments dropped."""
    current = ''
    for line in text.splitlines():
        stripped = line.strip()
        if not current and stripped.startswith('#'):
            continue
        if stripped.endswith('\\'):
            current += stripped[:-1] + ' '
            continue
        current += stripped
        yield current
        current = ''
    if current:
        yield current


def normalize_base(reference):
    """FROM names as the daemon names them: ``debian`` means ``debian:latest``."""
    return normalize_reference(reference)
