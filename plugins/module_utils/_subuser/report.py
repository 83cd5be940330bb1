# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What operation=inspect reports: a repository's image sources, their dependencies and the
build order, as plain data."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.graph import buildable, lineages


def select(repository, names=None):
    """The image sources ``names`` of the repository (all of them, sorted, by default)."""
    if not names:
        return [repository.sources[n] for n in sorted(repository.sources)]
    unknown = [n for n in names if n not in repository.sources]
    if unknown:
        raise SubuserError('No image source %s in repository %s (it has: %s)'
                           % (', '.join(unknown), repository.display,
                              ', '.join(sorted(repository.sources)) or 'none'))
    return [repository.sources[n] for n in names]


def inspect(repository_set, repository, names=None):
    """The description of a repository's image sources (all of them, or ``names``)."""
    selected = select(repository, names)
    order, lineage = lineages(repository_set, selected)
    foreign = [s for s in order if s.repository is not repository]
    return {
        'repository': repository.summary(),
        'sources': [describe(source, lineage.get(source.key)) for source in selected],
        'dependencies': [describe(s, lineage.get(s.key)) for s in foreign],
        'build_order': [s.identifier for s in order if buildable(s, lineage)],
        'invalid': sorted(s.identifier for s in selected + foreign if not buildable(s, lineage)),
        'repositories': [r.summary() for r in repository_set.unique() if r is not repository],
        'warnings': list(repository.warnings) + [w for s in selected for w in s.warnings],
    }


def describe(source, chain):
    """One image source as reported (RETURN sources[] of the module)."""
    report = source.permissions
    errors = list(source.errors)
    if source.lineage_error:
        errors.append(source.lineage_error)
    blocked = [s.identifier for s in (chain or []) if s.errors]
    return {
        'name': source.name,
        'identifier': source.identifier,
        'repository': source.repository.display,
        'explicit': source.explicit,
        'permissions_file': source.permissions_file,
        'build_context': source.build_context,
        'image_file': source.image_file,
        'image_file_type': source.image_file_type,
        'deprecated_image_dir': source.deprecated_image_dir,
        'from_subuser_image': source.parent_text,
        'parent': source.parent.identifier if source.parent is not None else None,
        'lineage': [s.identifier for s in chain] if chain is not None else None,
        'permission_level': _level(report),
        'permissions': dict(report.granted) if report is not None else {},
        'executable': report.executable if report is not None else None,
        'invalid_docker_from': [{'line': line, 'reference': reference} for line, reference in source.docker_from],
        'valid': not errors and not blocked,
        'blocked_by': blocked,
        'errors': errors,
        'warnings': list(source.warnings),
    }


def _level(report):
    return report.level if report is not None and report.valid else None
