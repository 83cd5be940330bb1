# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lists the build workflows of a repository selected by distro, branch and system patterns.

Usage: python3 select_workflows.py REPOSITORY DISTRO BRANCH SYSTEM
A build workflow is a directory <distro>/<branch>_<system>/ holding conf/casa_distro.json, as
casa_distro_admin's iter_build_workflow globbed it. Patterns are shell globs within one path
component. Only reads. Prints {"workflows": ["<distro>/<branch>_<system>", ...]} sorted.
"""

import glob
import json
import os
import sys


def check_pattern(what, pattern):
    """A pattern selects within one directory level of the repository, never outside it."""
    if not pattern or '/' in pattern or '\0' in pattern or pattern in ('.', '..') or pattern.startswith('-'):
        raise ValueError('%s pattern %r: expected a glob within one path component (no "/", not "." or "..")' % (what, pattern))


def select(repository, distro, branch, system):
    """Relative paths of the selected workflows, sorted."""
    for what, pattern in (('distro', distro), ('branch', branch), ('system', system)):
        check_pattern(what, pattern)
    if not os.path.isdir(repository):
        raise ValueError('%s: the build workflows repository is not a directory' % repository)
    pattern = os.path.join(glob.escape(repository), distro, '%s_%s' % (branch, system), 'conf', 'casa_distro.json')
    found = []
    for conf in glob.glob(pattern):
        workflow = os.path.dirname(os.path.dirname(conf))
        if os.path.isdir(workflow):
            found.append(os.path.relpath(workflow, repository))
    return sorted(found)


def main(argv):
    if len(argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    try:
        workflows = select(*argv[1:])
    except ValueError as exc:
        sys.stderr.write('%s\n' % exc)
        return 1
    sys.stdout.write(json.dumps({'workflows': workflows}) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
