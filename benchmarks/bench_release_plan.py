# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Release plan figures for 60 components (the size of a CASA distribution).

Creates 60 bare git remotes in a temporary directory, each needing a full release (tag the old
latest_release, bump the version on bug_fix, move latest_release), then times, through the
module_utils code of casa_release_plan:

- create: a plan from cold working clones (target <= 10 s), and again with warm clones;
- apply: every action, pushed one by one with the plan saved after each (target <= 30 s);
- apply again: nothing left to do.

Reference tools measured in the same run: a plain ``git ls-remote`` loop over the 60 remotes
(for create), and a plain git CLI loop doing the same clone, tag, commit and three pushes per
repository on a copy of the remotes (for apply).

Run from the repository root: .venv/bin/python benchmarks/bench_release_plan.py
(``make link`` first, for .build/collections).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, '.build', 'collections'))

from ansible_collections.casa.distro.plugins.module_utils._release_plan.manager import ReleasePlanManager  # noqa: E402
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import plan_entries  # noqa: E402

COMPONENTS = 60
CREATE_TARGET = 10.0
APPLY_TARGET = 30.0
ENV = dict(os.environ, LC_ALL='C', GIT_AUTHOR_NAME='bench', GIT_AUTHOR_EMAIL='bench@example.org',
           GIT_COMMITTER_NAME='bench', GIT_COMMITTER_EMAIL='bench@example.org')


def git(*args, cwd=None):
    subprocess.run(['git'] + list(args), cwd=cwd, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def version_file(index):
    """Rotate the four kinds of version files; returns (path, text of version 1.<index>.0)."""
    kind = index % 4
    if kind == 0:
        return 'project_info.cmake', ('set( BRAINVISA_PACKAGE_VERSION_MAJOR 1 )\nset( BRAINVISA_PACKAGE_VERSION_MINOR %d )\n'
                                      'set( BRAINVISA_PACKAGE_VERSION_PATCH 0 )\n' % index)
    if kind == 1:
        return 'python/pkg%d/info.py' % index, 'version_major = 1\nversion_minor = %d\nversion_micro = 0\n' % index
    if kind == 2:
        return 'pyproject.toml', '[project]\nname = "c%d"\nversion = "1.%d.0"\n' % (index, index)
    return 'VERSION', '1.%d.0\n' % index


def make_remotes(top):
    """60 bare remotes: latest_release at the first commit, main one fix ahead, same version."""
    remotes = os.path.join(top, 'remotes')
    os.makedirs(remotes)
    components = []
    for index in range(COMPONENTS):
        name = 'component%02d' % index
        bare = os.path.join(remotes, name + '.git')
        source = os.path.join(top, 'src', name)
        git('init', '-q', '--bare', '-b', 'main', bare)
        git('init', '-q', '-b', 'main', source)
        path, text = version_file(index)
        os.makedirs(os.path.dirname(os.path.join(source, path)), exist_ok=True)
        for number in range(20):  # a little content, as real repositories have
            with open(os.path.join(source, 'file%02d.txt' % number), 'w') as handle:
                handle.write('%s %d\n' % (name, number) * 50)
        with open(os.path.join(source, path), 'w') as handle:
            handle.write(text)
        git('add', '-A', cwd=source)
        git('commit', '-q', '-m', 'release', cwd=source)
        git('branch', 'latest_release', cwd=source)
        with open(os.path.join(source, 'fix.txt'), 'w') as handle:
            handle.write('fix\n')
        git('add', '-A', cwd=source)
        git('commit', '-q', '-m', 'fix', cwd=source)
        git('push', '-q', bare, 'main', 'latest_release', cwd=source)
        components.append({'name': name, 'project': 'project%d' % (index % 6), 'url': bare, 'path': path})
    return components


def timed(function):
    start = time.monotonic()
    result = function()
    return time.monotonic() - start, result


def ls_remote_loop(components):
    for component in components:
        subprocess.run(['git', 'ls-remote', '--symref', component['url']], env=ENV, check=True, stdout=subprocess.DEVNULL)


def plain_git_release(top, components):
    """What apply does, with nothing but the git CLI: clone, tag, bump commit, three pushes."""
    work = os.path.join(top, 'plain')
    for component in components:
        url = component['url']
        clone = os.path.join(work, component['name'])
        git('clone', '-q', url, clone)
        git('fetch', '-q', 'origin', 'latest_release', cwd=clone)
        old = version_file(int(component['name'][-2:]))
        git('tag', '-a', '-m', 'Release', '1.%s.0' % int(component['name'][-2:]), 'origin/latest_release', cwd=clone)
        git('push', '-q', 'origin', 'refs/tags/1.%s.0' % int(component['name'][-2:]), cwd=clone)
        with open(os.path.join(clone, old[0]), 'w') as handle:
            handle.write(old[1] + '# bumped\n')
        git('commit', '-q', '-a', '-m', 'bump', cwd=clone)
        git('push', '-q', 'origin', 'HEAD:refs/heads/main', cwd=clone)
        git('push', '-q', '--force', 'origin', 'HEAD:refs/heads/latest_release', cwd=clone)


def line(label, seconds, target=None, reference=None):
    text = 'release_plan %s: %.1f s' % (label, seconds)
    if target is not None:
        text += ' (target <= %g s%s)' % (target, '' if seconds <= target else ', MISSED')
    if reference is not None:
        name, ref_seconds = reference
        text += '; %s %.1f s, ratio %.1f' % (name, ref_seconds, seconds / ref_seconds if ref_seconds else float('inf'))
    print(text, flush=True)


def main():
    top = tempfile.mkdtemp(prefix='bench_release_plan.')
    try:
        components = make_remotes(top)
        shutil.copytree(os.path.join(top, 'remotes'), os.path.join(top, 'remotes-copy'))
        components_file = os.path.join(top, 'components.yml')
        with open(components_file, 'w') as handle:
            handle.write('components:\n')
            for component in components:
                handle.write('  - {name: %s, project: %s, url: "%s"}\n' % (component['name'], component['project'], component['url']))
        params = {'command': 'create', 'plan_file': os.path.join(top, 'plan.yml'), 'components_file': components_file,
                  'decisions_file': None, 'components': None, 'work_dir': os.path.join(top, 'work'),
                  'git_author_name': 'bench', 'git_author_email': 'bench@example.org', 'parallel': 4, 'ignore_warnings': False}

        ref_ls, dummy = timed(lambda: ls_remote_loop(components))
        create, result = timed(lambda: ReleasePlanManager(dict(params)).run())
        todo = result['summary']['todo']
        actions = sum(len(e['actions']) for p, n, e in plan_entries(result['plan']))
        if todo != COMPONENTS or actions != 3 * COMPONENTS:
            raise SystemExit('unexpected plan: %s, %d actions' % (result['summary'], actions))
        line('create %d components (cold clones)' % COMPONENTS, create, CREATE_TARGET, ('git ls-remote loop', ref_ls))
        warm, result = timed(lambda: ReleasePlanManager(dict(params)).run())
        if result['changed']:
            raise SystemExit('the second create changed the plan')
        line('create %d components (warm clones)' % COMPONENTS, warm, CREATE_TARGET, ('git ls-remote loop', ref_ls))

        apply, result = timed(lambda: ReleasePlanManager(dict(params, command='apply')).run())
        if result['summary']['done'] != COMPONENTS:
            raise SystemExit('apply left work: %s' % result['summary'])
        copy = [dict(c, url=c['url'].replace(os.sep + 'remotes' + os.sep, os.sep + 'remotes-copy' + os.sep)) for c in components]
        ref_apply, dummy = timed(lambda: plain_git_release(top, copy))
        line('apply %d components (%d actions)' % (COMPONENTS, actions), apply, APPLY_TARGET, ('plain git CLI loop', ref_apply))
        again, result = timed(lambda: ReleasePlanManager(dict(params, command='apply')).run())
        if result['changed']:
            raise SystemExit('the second apply changed something')
        line('apply again, nothing to do', again, None, ('git ls-remote loop', ref_ls))
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == '__main__':
    main()
