# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One casa_release_plan task: create, update, publish or apply (the runner of _module.run_module)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.casa.distro.plugins.module_utils._files import atomic_write
from ansible_collections.casa.distro.plugins.module_utils._git.client import git_environment
from ansible_collections.casa.distro.plugins.module_utils._release_plan.apply import Applier
from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import credentials_of, load_components, select_components
from ansible_collections.casa.distro.plugins.module_utils._release_plan.credentials import Credentials
from ansible_collections.casa.distro.plugins.module_utils._release_plan.decisions import load_decisions
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.inspection import inspect_component
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import (
    dump_plan, load_plan, new_plan, plan_entries, set_entry, sorted_plan, summarise, write_plan)
from ansible_collections.casa.distro.plugins.module_utils._release_plan.reports import render_html, render_markdown
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import evaluate, ignored_entry
from ansible_collections.casa.distro.plugins.module_utils._release_plan.yaml_files import read_optional_text

DEFAULT_WORK_DIR = '~/.cache/casa_distro/release_plan'


class ReleasePlanManager:
    """Carries out one casa_release_plan task; ``params`` are the module parameters."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.plan_path = params['plan_file']
        self.work_dir = os.path.expanduser(params.get('work_dir') or DEFAULT_WORK_DIR)
        self.env = git_environment(params.get('git_author_name'), params.get('git_author_email'))
        self.parallel = params.get('parallel') or 4
        self.actions = []
        self.changed = False
        self.diff = None
        self.plan = None
        self.reports = {}
        self.credentials = Credentials()

    def run(self):
        command = self.params['command']
        if command in ('create', 'update'):
            self.make_plan(update=command == 'update')
        elif command == 'publish':
            self.publish()
        else:
            self.apply()
        return self.summary()

    def summary(self):
        result = {'changed': self.changed, 'actions': list(self.actions), 'plan_file': self.plan_path}
        if self.plan is not None:
            result['plan'] = sorted_plan(self.plan)
            result['summary'] = summarise(self.plan)
        if self.reports:
            result['reports'] = dict(self.reports)
        if self.diff is not None:
            result['diff'] = self.diff
        return result

    def partial_results(self):
        """What was done before a failure (the plan file already records it)."""
        return self.summary()

    def _diff(self, before, after):
        return {'before': before or '', 'after': after, 'before_header': self.plan_path, 'after_header': self.plan_path}

    def _write_plan(self, before):
        after = dump_plan(self.plan)
        if before != after:
            self.changed = True
            self.diff = self._diff(before, after)
            if not self.check_mode:
                write_plan(self.plan_path, after)

    def _inspect(self, components):
        """The facts of each component, read from its remote, several at a time."""
        os.makedirs(self.work_dir, exist_ok=True)
        with ThreadPoolExecutor(max_workers=max(1, self.parallel)) as pool:
            found = pool.map(lambda c: inspect_component(c, self.work_dir, self.credentials.env(c.url, self.env)), components)
            return dict(zip([c.name for c in components], found))

    def make_plan(self, update):
        if not self.params.get('components_file'):
            raise ReleasePlanError('command=%s needs components_file' % self.params['command'])
        components = load_components(self.params['components_file'])
        self.credentials = credentials_of(components)
        selected = select_components(components, self.params.get('components'))
        decisions = load_decisions(self.params.get('decisions_file'))
        before = read_optional_text(self.plan_path, 'plan file')
        self.plan = load_plan(self.plan_path) if update else new_plan()
        previous = dict((name, entry) for dummy, name, entry in plan_entries(self.plan))
        facts = self._inspect([c for c in selected if not decisions.ignores(c)])
        for component in selected:
            if decisions.ignores(component):
                entry = ignored_entry(component)
            else:
                entry = evaluate(component, facts[component.name], previous.get(component.name) if update else None)
            set_entry(self.plan, component.project, component.name, entry)
            self.actions.append('%s/%s: %s' % (component.project, component.name, entry['state']))
        self._write_plan(before)

    def _publish_one(self, kind, path, text):
        self.reports[kind] = path
        if read_optional_text(path, '%s report' % kind) == text:
            return
        self.changed = True
        self.actions.append('%s %s report %s' % ('would write' if self.check_mode else 'wrote', kind, path))
        if not self.check_mode:
            try:
                atomic_write(path, text)
            except OSError as exc:
                raise ReleasePlanError('cannot write %s report %s: %s' % (kind, path, exc.strerror), file=path)

    def publish(self):
        self.plan = load_plan(self.plan_path)
        targets = [('html', self.params.get('html_report'), render_html), ('markdown', self.params.get('markdown_report'), render_markdown)]
        if not any(path for dummy, path, dummy2 in targets):
            raise ReleasePlanError('command=publish needs html_report or markdown_report')
        title = self.params.get('title') or 'Release plan'
        for kind, path, render in targets:
            if path:
                self._publish_one(kind, path, render(self.plan, title))

    def apply(self):
        before = read_optional_text(self.plan_path, 'plan file')
        self.plan = load_plan(self.plan_path)
        if self.params.get('components_file'):
            # Only for the credentials of the URLs, which the plan never holds.
            self.credentials = credentials_of(load_components(self.params['components_file']))
        os.makedirs(self.work_dir, exist_ok=True)
        applier = Applier(self.plan, self.plan_path, self.work_dir, self.env, self.check_mode,
                          self.params.get('ignore_warnings'), self.parallel, self.credentials)
        try:
            applier.run()
        finally:
            self.actions = applier.adopted + applier.done
            self.changed = applier.changed or (self.check_mode and bool(applier.done))
            after = dump_plan(self.plan)
            if before != after or self.check_mode and applier.done:
                self.diff = self._diff(before, after)
