# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply: run the pending actions of a plan against the remotes, saving the plan after each one,
adopting what an interrupted run already pushed and refusing remotes that moved."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.casa.distro.plugins.module_utils._release_plan.credentials import Credentials
from ansible_collections.casa.distro.plugins.module_utils._release_plan.errors import ReleasePlanError
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import dump_plan, plan_entries, write_plan
from ansible_collections.casa.distro.plugins.module_utils._release_plan.repo_paths import normalise, path_problem, resolve_in_tree
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import actions_match, component_state, describe_action, short
from ansible_collections.casa.distro.plugins.module_utils._release_plan.working_clone import open_clone, remote_refs

# The first line of every version-bump commit; apply recognises its own pushed commits by it.
BUMP_MESSAGE = 'Upgrade version from {old} to {new} (release plan)'


def _pending(entry):
    return any(a['status'] != 'done' for a in entry.get('actions') or [])


def entry_problems(project, name, entry, ignore_warnings):
    """Why an entry blocks apply: its errors, its warnings unless ignored, stale actions."""
    problems = ['%s/%s: error: %s' % (project, name, message) for message in entry.get('errors') or []]
    pending = _pending(entry)
    if pending and not ignore_warnings:
        problems.extend('%s/%s: warning: %s (set ignore_warnings to proceed)' % (project, name, message)
                        for message in entry.get('warnings') or [])
    if pending and not entry.get('errors') and not actions_match(entry):
        problems.append('%s/%s: its actions do not match its planned_version %s and recorded state; '
                        'run command=update for it' % (project, name, entry.get('planned_version')))
    return problems


class Applier:
    """Runs the pending actions of a plan against the remotes, saving the plan after each one."""

    def __init__(self, plan, plan_path, work_dir, env, check_mode=False, ignore_warnings=False, parallel=4, credentials=None):
        self.plan = plan
        self.plan_path = plan_path
        self.work_dir = work_dir
        self.env = env
        self.credentials = credentials or Credentials()
        self.check_mode = check_mode
        self.ignore_warnings = ignore_warnings
        self.parallel = max(1, parallel)
        self.done = []        # what was done (or would be done, in check mode), in words
        self.adopted = []     # actions found already applied on the remote (an interrupted run)
        self.changed = False
        self.rendered = {}    # (project, component) -> its YAML in the plan file, see dump_plan
        self.lock = threading.Lock()

    def _env(self, entry):
        """The environment of git runs on the entry's remote (its credentials, see credentials)."""
        return self.credentials.env(entry['url'], self.env)

    def pending(self):
        return [(p, n, e) for p, n, e in plan_entries(self.plan) if e.get('state') != 'ignored' and _pending(e)]

    def validate(self):
        """Errors always block; warnings block unless ignore_warnings; so do stale actions."""
        problems = []
        for project, name, entry in plan_entries(self.plan):
            if entry.get('state') != 'ignored':
                problems.extend(entry_problems(project, name, entry, self.ignore_warnings))
        if problems:
            raise ReleasePlanError('The plan cannot be applied: %s' % '; '.join(problems), problems=problems)

    # ------------------------------------------------------------------ remotes against the plan
    def _remote_states(self, pending):
        def read(item):
            dummy, name, entry = item
            try:
                return name, remote_refs(entry['url'], self._env(entry)), None
            except ReleasePlanError as exc:
                return name, None, str(exc)
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            return dict((name, (remote, error)) for name, remote, error in pool.map(read, pending))

    def _adopt_bump(self, name, entry, action, head):
        """Whether ``head`` of bug_fix is this plan's own bump commit (pushed by an interrupted run
        before it could save its status)."""
        with open_clone(self.work_dir, name, entry['url'], self._env(entry)) as clone:
            clone.fetch([action['branch']])
            if not clone.has_commit(head):
                return False
            found = clone.commit_info(head)
            expected = BUMP_MESSAGE.format(old=action['from_version'], new=action['version'])
            return found['parents'] == [action['parent']] and found['message'].splitlines()[0] == expected

    def _check_tag(self, project, name, entry, action, remote, seen):
        now = remote['tags'].get(action['tag'])
        if action['status'] == 'done':
            return None
        if now == action['commit']:
            self._adopt(project, name, entry, action)
        elif now:
            return 'tag %s: planned absent, now on %s' % (action['tag'], short(now))
        return None

    def _check_set_version(self, project, name, entry, action, remote, seen):
        seen['set_version'] = action
        now = remote['heads'].get(action['branch'])
        if action['status'] == 'done':
            seen['bug_fix'] = action['result_commit']
            return None
        if now == action['parent']:
            return None
        if now and self._adopt_bump(name, entry, action, now):
            action['result_commit'] = now
            seen['bug_fix'] = now
            self._adopt(project, name, entry, action)
            return None
        return 'branch %s: planned %s, now %s' % (action['branch'], short(action['parent']), short(now))

    def _check_set_branch(self, project, name, entry, action, remote, seen):
        now = remote['heads'].get(action['branch'])
        set_version = seen['set_version']
        if set_version is None:
            target = entry['bug_fix']['commit']
        else:  # the bump commit, known only once the bump is done
            target = set_version['result_commit'] if set_version['status'] == 'done' else None
        if action['status'] == 'done' or now == action.get('from_commit'):
            return None
        if target and now == target:
            action['result_commit'] = now
            self._adopt(project, name, entry, action)
            return None
        return 'branch %s: planned %s, now %s' % (action['branch'], short(action.get('from_commit')), short(now))

    def _moved_reasons(self, project, name, entry, remote):
        """Why the remote of a component no longer matches its plan (adopting what matches)."""
        checks = {'tag': self._check_tag, 'set_version': self._check_set_version}
        seen = {'set_version': None, 'bug_fix': entry['bug_fix']['commit']}
        reasons = []
        for action in entry['actions']:
            reason = checks.get(action['action'], self._check_set_branch)(project, name, entry, action, remote, seen)
            if reason:
                reasons.append(reason)
        bf_branch = entry['bug_fix']['branch']
        bump_pending = any(a['action'] == 'set_version' and a['status'] != 'done' for a in entry['actions'])
        if not bump_pending and _pending(entry) and remote['heads'].get(bf_branch) != seen['bug_fix']:
            reasons.append('branch %s: planned %s, now %s' % (bf_branch, short(seen['bug_fix']), short(remote['heads'].get(bf_branch))))
        return reasons

    def check_remotes(self, pending):
        """Compare each remote with the plan; adopt what an interrupted run pushed; refuse moved ones."""
        states = self._remote_states(pending)
        moved = []
        for project, name, entry in pending:
            remote, error = states[name]
            if error:
                raise ReleasePlanError('%s/%s: %s' % (project, name, error), component=name)
            reasons = self._moved_reasons(project, name, entry, remote)
            if reasons:
                moved.append('%s (%s)' % (name, '; '.join(sorted(set(reasons)))))
        if moved:
            raise ReleasePlanError('The remotes of %d component(s) moved since the plan was made: %s. Run command=update for them.'
                                   % (len(moved), ', '.join(moved)),
                                   moved=[m.split(' ', 1)[0] for m in moved])

    def _adopt(self, project, name, entry, action):
        self.adopted.append('%s/%s: %s found already applied on the remote' % (project, name, action['action']))
        action['status'] = 'done'
        entry['state'] = component_state(entry)
        self.changed = True
        self.rendered.pop((project, name), None)
        self.save()

    def save(self):
        if not self.check_mode:
            write_plan(self.plan_path, dump_plan(self.plan, self.rendered))

    # ------------------------------------------------------------------ running the actions
    def check_version_files(self, project, name, entry, clone):
        """Refuse a pending bump whose file, in the tree it is made on, leads through a symlink
        (out of the repository, or elsewhere in it), before anything of the component is done."""
        for index, action in enumerate(entry['actions']):
            if action['action'] != 'set_version' or action['status'] == 'done':
                continue
            path = action['file']
            problem = path_problem(path)
            if problem is None and resolve_in_tree(path, clone.link_targets(action['parent'])) != normalise(path):
                problem = 'it goes through a symlink (out of the repository, or to another file) at commit %s' % short(action['parent'])
            if problem:
                key = 'projects.%s.%s.actions[%d].file' % (project, name, index)
                raise ReleasePlanError('%s: %s: component %s: version_file %r refused: %s' % (self.plan_path, key, name, path, problem),
                                       file=self.plan_path, component=name, key=key, value=path)

    def _check_bumps(self, pending):
        """check_version_files for the components with a pending bump, in check mode too."""
        for project, name, entry in pending:
            bumps = [a for a in entry['actions'] if a['action'] == 'set_version' and a['status'] != 'done']
            if bumps:
                with open_clone(self.work_dir, name, entry['url'], self._env(entry)) as clone:
                    clone.ensure_commits({bumps[0]['branch']: bumps[0]['parent']})
                    self.check_version_files(project, name, entry, clone)

    def _dry_run(self):
        """Every pending action listed, marked done in memory only (for the diff)."""
        self._check_bumps(self.pending())
        for project, name, entry in self.pending():
            for action in entry['actions']:
                if action['status'] != 'done':
                    self.done.append('would %s' % describe_action(project, name, action))
                    action['status'] = 'done'
            entry['state'] = component_state(entry)

    def run(self):
        self.validate()
        pending = self.pending()
        if not pending:
            return
        self.check_remotes(pending)
        if self.check_mode:
            self._dry_run()
            return
        # Components are independent: several are released at once, each in its action order.
        # The plan is changed and saved under a lock, so that each save holds whole actions.
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            outcomes = list(pool.map(self._apply_one, self.pending()))
        failures = []
        for done, error in outcomes:
            self.done.extend(done)
            if error is not None:
                failures.append(error)
        if len(failures) == 1:
            raise failures[0]
        if failures:
            raise ReleasePlanError('%d components failed: %s' % (len(failures), '; '.join(str(f) for f in failures)),
                                   failures=[str(f) for f in failures])

    def _apply_one(self, item):
        project, name, entry = item
        done = []
        try:
            with open_clone(self.work_dir, name, entry['url'], self._env(entry)) as clone:
                self._apply_component(project, name, entry, clone, done)
        except ReleasePlanError as exc:
            return done, exc
        except OSError as exc:
            return done, ReleasePlanError('%s: %s' % (name, exc))
        return done, None

    def _run_action(self, clone, action, target):
        """Run one action; the commit it leaves its branch at (None for a tag)."""
        kind = action['action']
        if kind == 'tag':
            clone.tag(action['tag'], action['commit'], 'Release %s' % action['tag'])
            clone.push('refs/tags/%s:refs/tags/%s' % (action['tag'], action['tag']))
            return None
        if kind == 'set_version':
            message = BUMP_MESSAGE.format(old=action['from_version'], new=action['version'])
            result = clone.commit_version(action['parent'], action['file'], action['from_version'], action['version'],
                                          message + '\n\nMade by casa.distro.casa_release_plan.\n')
            clone.push('%s:refs/heads/%s' % (result, action['branch']))
            return result
        lease = ('refs/heads/%s' % action['branch'], action.get('from_commit'))
        clone.push('%s:refs/heads/%s' % (target, action['branch']), lease)
        return target

    def _apply_component(self, project, name, entry, clone, done):
        latest = entry['latest_release']
        clone.ensure_commits({entry['bug_fix']['branch']: entry['bug_fix']['commit'], latest['branch']: latest.get('commit')})
        self.check_version_files(project, name, entry, clone)
        target = entry['bug_fix']['commit']
        for action in entry['actions']:
            if action['action'] == 'set_version' and action['status'] == 'done':
                target = action['result_commit']
            if action['status'] == 'done':
                continue
            result = self._run_action(clone, action, target)
            if action['action'] == 'set_version':
                target = result
            with self.lock:
                if result is not None:
                    action['result_commit'] = result
                action['status'] = 'done'
                entry['state'] = component_state(entry)
                self.changed = True
                self.rendered.pop((project, name), None)
                self.save()
            done.append(describe_action(project, name, action))
