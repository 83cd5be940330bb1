# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An aggregate callback that ends a run with what the release produced, as a table and as JSON."""

from __future__ import annotations

DOCUMENTATION = r'''
name: release_summary
type: aggregate
short_description: End every run with a summary of what the release produced, also written as JSON
version_added: 0.1.0
description:
  - At the end of a run, shows a table of what the release produced, next to the output of the
    normal stdout callback (it does not replace it), and writes the same as JSON for CI systems.
  - B(Docker images) from M(casa.distro.casa_docker_image) results - name, tags, digest (the
    manifest digest pushed or pulled, else the one the daemon knows), size, and whether the image
    was built or reused.
  - B(SIF images) from M(casa.distro.casa_singularity_image) results - path, size, sha256,
    build number and download URL; a conversion and its publication are matched by name and
    checksum.
  - B(Release plan actions) from M(casa.distro.casa_release_plan) results - each action of the
    last plan returned for each plan file, done or pending; the pending actions of a plan whose
    apply failed count as failed. Check-mode results (the dry run) never count as done.
  - B(Subuser commit) from M(casa.distro.subuser_repo) publication results - repository, branch,
    commit before and after, whether it was pushed.
  - B(Other sections), such as build workflows mirrored and collection packaged, from any task
    result carrying a C(casa_summary) dictionary (at the top level, as M(ansible.builtin.debug)
    with C(var=casa_summary) returns it, or in C(ansible_facts), as M(ansible.builtin.set_fact)
    returns it). Each key names a section (V(workflows_mirrored) and V(collection_packaged) are
    shown as "Build workflows mirrored" and "Collection packaged"), and its value is one row or a
    list of rows, each a dictionary of column to value. Rows are appended in task order with the
    host. See C(docs/summary.md).
  - Failed and unreachable tasks are listed with their message.
  - Secrets never appear - results hidden by C(no_log) are skipped, every key named like
    C(password), C(passwd), C(token), C(secret), C(credential), C(api_key) or C(private_key) is
    dropped, and credentials in URLs (C(https://user:password@host)) are replaced by C(***).
  - It works with C(ansible-playbook) and with ansible-runner (AWX), whose event display shows the
    table at the end of the job output.
requirements:
  - Enabled in C(callbacks_enabled) (C([defaults]) of C(ansible.cfg)) or C(ANSIBLE_CALLBACKS_ENABLED),
    as V(casa.distro.release_summary). The C(ansible.cfg) at the root of the collection's
    repository enables it for C(make release).
options:
  summary_file:
    description:
      - The JSON file written at the end of the run (atomically, through a temporary file beside it
        renamed into place; its directory is created).
      - Unset writes no file; the table is still shown.
      - A relative path in C(ansible.cfg) is relative to the directory of C(ansible.cfg).
    type: path
    env:
      - name: CASA_RELEASE_SUMMARY_FILE
    ini:
      - section: callback_release_summary
        key: summary_file
  show_table:
    description:
      - Show the table at the end of the run. V(false) only writes O(summary_file).
    type: bool
    default: true
    env:
      - name: CASA_RELEASE_SUMMARY_TABLE
    ini:
      - section: callback_release_summary
        key: show_table
'''

import datetime
import re

from ansible import context
from ansible.plugins.callback import CallbackBase

from ansible_collections.casa.distro.plugins.module_utils._files import write_json

SCHEMA_VERSION = 1
GENERATOR = 'casa.distro.release_summary'
# Keys whose value is never kept, whatever their depth in a result.
SECRET_KEY = re.compile(r'pass(word|wd)?$|passphrase|token|secret|credential|api[_-]?key|private[_-]?key', re.IGNORECASE)
URL_CREDENTIALS = re.compile(r'(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@')
SECTION_TITLES = {'workflows_mirrored': 'Build workflows mirrored', 'collection_packaged': 'Collection packaged'}
RELEASE_STATUSES = ('done', 'pending', 'failed')


def scrub(value):
    """``value`` without secrets: keys named like one dropped, URL credentials replaced."""
    if isinstance(value, dict):
        return dict((key, scrub(item)) for key, item in value.items() if not SECRET_KEY.search(str(key)))
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return URL_CREDENTIALS.sub(r'\g<scheme>***@', value)
    return value


def module_name(action):
    """``casa_docker_image`` for ``casa.distro.casa_docker_image`` or ``casa_docker_image``."""
    if action.startswith('casa.distro.'):
        return action[len('casa.distro.'):]
    return action if '.' not in action else None


def short(digest, length=12):
    """``sha256:0123456789ab`` for a long digest or hex checksum, for the table."""
    if not digest:
        return '-'
    prefix, dummy, hexa = digest.rpartition(':')
    return (prefix + ':' if prefix else '') + hexa[:length]


def human_size(size):
    if not isinstance(size, int) or isinstance(size, bool):
        return '-'
    value = float(size)
    for unit in ('B', 'KiB', 'MiB', 'GiB'):
        if value < 1024 or unit == 'GiB':
            return ('%d %s' % (value, unit)) if unit == 'B' else ('%.1f %s' % (value, unit))
        value /= 1024
    return '-'  # pragma: no cover


def cell(value):
    """A table cell: lists joined, None as ``-``."""
    if value is None or value == '' or value == []:
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, (list, tuple)):
        return ', '.join(cell(item) for item in value)
    if isinstance(value, dict):
        return ', '.join('%s=%s' % (key, cell(item)) for key, item in sorted(value.items()))
    return str(value)


def table(headers, rows, indent='  '):
    """Text lines of a table whose columns are as wide as their widest cell."""
    cells = [[cell(value) for value in row] for row in rows]
    widths = [max([len(header)] + [len(row[index]) for row in cells]) for index, header in enumerate(headers)]
    lines = []
    for row in [list(headers)] + cells:
        lines.append((indent + '  '.join(text.ljust(width) for text, width in zip(row, widths))).rstrip())
    return lines


def image_digest(image):
    """The manifest digest of an image: pushed, else pulled, else the daemon's digest for its name."""
    for key in ('pushed', 'pulled'):
        digests = image.get(key) or {}
        for tag in image.get('tags') or []:
            if digests.get(tag):
                return digests[tag]
        for digest in digests.values():
            if digest:
                return digest
    for reference in image.get('repo_digests') or []:
        name, dummy, digest = reference.rpartition('@')
        if name == image.get('name'):
            return digest
    return None


def image_status(image):
    if image.get('built'):
        return 'built'
    # A build reason without a build: check mode.
    return 'would build' if image.get('build_reason') else 'reused'


def describe_action(action):
    """An action of a release plan in words, as the plan's reports write it."""
    kind = action.get('action')
    if kind == 'tag':
        return 'tag %s at %s' % (action.get('tag'), short(action.get('commit'), 10))
    if kind == 'set_version':
        return 'set %s to %s on %s' % (action.get('file'), action.get('version'), action.get('branch'))
    if kind == 'set_branch':
        return '%s %s at %s' % ('move' if action.get('from_commit') else 'create', action.get('branch'), action.get('source'))
    return str(kind)


def plan_actions(plan, failed):
    """One row per action of ``plan``; a pending action of a failed apply counts as failed."""
    rows = []
    for project, components in sorted(((plan or {}).get('projects') or {}).items()):
        for component, entry in sorted((components or {}).items()):
            for action in (entry or {}).get('actions') or []:
                status = action.get('status')
                if status != 'done':
                    status = 'failed' if failed else 'pending'
                rows.append({'project': project, 'component': component, 'action': action.get('action'),
                             'description': describe_action(action), 'status': status})
    return rows


def summary_sections(result):
    """The ``casa_summary`` dictionary a task result carries (top level or in ansible_facts)."""
    sections = result.get('casa_summary')
    if not isinstance(sections, dict):
        sections = (result.get('ansible_facts') or {}).get('casa_summary')
    return sections if isinstance(sections, dict) else {}


class ReleaseSummary:
    """What the tasks of a run produced, from their results (no Ansible object needed)."""

    def __init__(self):
        self.docker_images = {}
        self.sif_images = {}
        self.release_plans = {}
        self.subuser_commits = []
        self.sections = {}
        self.failures = []

    # ------------------------------------------------------------------ reading results
    def add(self, host, action, result, task='', check_mode=False, failed=False, ignored=False):
        """Record one task result (a loop's items one by one) of module ``action`` on ``host``;
        a failure is listed unless ``ignored`` (ignore_errors)."""
        if not isinstance(result, dict) or result.get('_ansible_no_log') or result.get('skipped'):
            return
        if isinstance(result.get('results'), list):
            for item in result['results']:
                if isinstance(item, dict):
                    self.add(host, action, item, task, check_mode, failed and bool(item.get('failed')), ignored)
            return
        self._add_result(host, action, scrub(result), task, check_mode, failed, ignored)

    def _add_result(self, host, action, result, task, check_mode, failed, ignored):
        if failed and not ignored:
            self.failures.append({'host': host, 'task': task, 'msg': result.get('msg') or 'failed'})
        reader = {'casa_docker_image': self._docker, 'casa_singularity_image': self._sif,
                  'casa_release_plan': self._release_plan, 'subuser_repo': self._subuser}.get(module_name(action or ''))
        if reader is not None:
            reader(host, result, check_mode, failed)
        for section, rows in summary_sections(result).items():
            self._section(host, str(section), rows)

    def add_unreachable(self, host, result, task=''):
        self.failures.append({'host': host, 'task': task, 'msg': scrub((result or {}).get('msg') or 'unreachable')})

    def _docker(self, host, result, check_mode, failed):
        for image in result.get('images') or []:
            key = (host, image.get('name'))
            before = self.docker_images.get(key, {})
            entry = {'host': host, 'name': image.get('name'), 'tags': list(image.get('tags') or []),
                     'digest': image_digest(image) or before.get('digest'), 'image_id': image.get('image_id'),
                     'size': image.get('size'), 'built': bool(image.get('built') or before.get('built')),
                     'build_reason': image.get('build_reason') or before.get('build_reason')}
            entry['status'] = 'built' if entry['built'] else image_status(image)
            self.docker_images[key] = entry

    def _sif_entry(self, name, sha256):
        for key, entry in self.sif_images.items():
            if key[0] == name and (sha256 is None or key[1] in (None, sha256)):
                if key[1] is None and sha256:
                    del self.sif_images[key]
                    self.sif_images[(name, sha256)] = entry
                    entry['sha256'] = sha256
                return entry
        entry = {'name': name, 'sha256': sha256, 'path': None, 'size': None, 'converted': None, 'build_number': None,
                 'url': None, 'published_file': None, 'publication': None}
        self.sif_images[(name, sha256)] = entry
        return entry

    def _sif(self, host, result, check_mode, failed):
        metadata = result.get('metadata') or {}
        name = result.get('name') or metadata.get('name')
        sha256 = result.get('sha256') or metadata.get('sha256')
        if not name or failed:
            return
        entry = self._sif_entry(name, sha256)
        entry['host'] = entry.get('host') or host
        if 'converted' in result:
            entry.update(path=result.get('path'), converted=result['converted'],
                         size=metadata.get('size') if metadata.get('size') is not None else result.get('size'))
            return
        if result.get('build_number') is not None:
            entry['build_number'] = result['build_number']
        entry['url'] = result.get('url') or entry['url']
        entry['published_file'] = result.get('published_file') or entry['published_file']
        if entry['size'] is None:
            entry['size'] = metadata.get('size')
        entry['publication'] = self._publication(result, check_mode)

    @staticmethod
    def _publication(result, check_mode):
        if result.get('published'):
            return 'published'
        if result.get('up_to_date'):
            return 'already published'
        if check_mode and result.get('build_number') is not None:
            return 'would publish'
        return 'upload needed' if result.get('upload_needed') else 'not published'

    def _release_plan(self, host, result, check_mode, failed):
        plan = result.get('plan')
        # A check-mode plan is "as it would be": its actions are marked done in memory only.
        if not isinstance(plan, dict) or check_mode:
            return
        actions = plan_actions(plan, failed)
        counts = dict((status, 0) for status in RELEASE_STATUSES)
        for action in actions:
            counts[action['status']] += 1
        plan_file = result.get('plan_file')
        self.release_plans[(host, plan_file)] = {'host': host, 'plan_file': plan_file, 'counts': counts, 'actions': actions}

    def _subuser(self, host, result, check_mode, failed):
        published = result.get('published')
        if not isinstance(published, dict) or not published.get('commit'):
            return
        self.subuser_commits.append({
            'host': host, 'dest': published.get('dest'), 'branch': published.get('branch'),
            'commit_before': published.get('commit_before'), 'commit': published.get('commit'),
            'changed_files': len(published.get('changed_files') or []), 'pushed': bool(published.get('pushed')),
            'check_mode': bool(check_mode)})

    def _section(self, host, section, rows):
        if not isinstance(rows, list):
            rows = [rows]
        target = self.sections.setdefault(section, [])
        for row in rows:
            row = dict(row) if isinstance(row, dict) else {'value': row}
            target.append(dict([('host', host)] + [(key, value) for key, value in row.items() if key != 'host']))

    # ------------------------------------------------------------------ what is reported
    def as_dict(self):
        return {
            'docker_images': list(self.docker_images.values()),
            'sif_images': [dict(entry) for entry in self.sif_images.values()],
            'release_plans': list(self.release_plans.values()),
            'subuser_commits': list(self.subuser_commits),
            'sections': dict((name, list(rows)) for name, rows in self.sections.items()),
            'failures': list(self.failures),
        }

    def render(self):
        """The summary as text lines, one block per section, every standard section shown."""
        lines = ['Docker images']
        lines += table(('host', 'name', 'tags', 'digest', 'size', 'status'),
                       [(i['host'], i['name'], i['tags'], short(i['digest']), human_size(i['size']), i['status'])
                        for i in self.docker_images.values()]) if self.docker_images else ['  none']
        lines.append('SIF images')
        lines += table(('path', 'size', 'sha256', 'build', 'url', 'status'),
                       [(s['path'] or s['published_file'] or s['name'], human_size(s['size']), short(s['sha256']),
                         s['build_number'], s['url'], self._sif_status(s)) for s in self.sif_images.values()]) \
            if self.sif_images else ['  none']
        lines += self._render_plans()
        lines.append('Subuser repository commits')
        lines += table(('dest', 'branch', 'commit', 'before', 'files changed', 'pushed'),
                       [(c['dest'], c['branch'], short(c['commit'], 10), short(c['commit_before'], 10), c['changed_files'], c['pushed'])
                        for c in self.subuser_commits]) if self.subuser_commits else ['  none']
        for section in list(SECTION_TITLES) + sorted(set(self.sections) - set(SECTION_TITLES)):
            lines += self._render_section(section)
        if self.failures:
            lines.append('Failures')
            lines += table(('host', 'task', 'message'), [(f['host'], f['task'], f['msg']) for f in self.failures])
        return lines

    @staticmethod
    def _sif_status(entry):
        converted = {True: 'converted', False: 'reused', None: None}[entry['converted']]
        return ', '.join(part for part in (converted, entry['publication']) if part) or '-'

    def _render_plans(self):
        if not self.release_plans:
            return ['Release plan actions', '  none']
        lines = []
        for plan in self.release_plans.values():
            counts = plan['counts']
            lines.append('Release plan actions (%s): %d done, %d pending, %d failed'
                         % (plan['plan_file'], counts['done'], counts['pending'], counts['failed']))
            lines += table(('component', 'action', 'status'),
                           [('%s/%s' % (a['project'], a['component']), a['description'], a['status']) for a in plan['actions']]) \
                if plan['actions'] else ['  no action']
        return lines

    def _render_section(self, section):
        rows = self.sections.get(section) or []
        lines = [SECTION_TITLES.get(section, section.replace('_', ' ').capitalize())]
        if not rows:
            return lines + ['  none']
        columns = []
        for row in rows:
            columns += [key for key in row if key not in columns]
        return lines + table(columns, [[row.get(column) for column in columns] for row in rows])


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


class CallbackModule(CallbackBase):
    """Collects module results during the run; shows and writes the summary with the stats."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'casa.distro.release_summary'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.summary = ReleaseSummary()
        self.playbooks = []
        self.started = now()

    def v2_playbook_on_start(self, playbook):
        self.playbooks.append(getattr(playbook, '_file_name', None))

    def _record(self, result, failed=False, ignored=False):
        task = result._task
        action = getattr(task, 'resolved_action', None) or task.action
        check_mode = bool(getattr(task, 'check_mode', False)) or bool(context.CLIARGS.get('check'))
        self.summary.add(result._host.get_name(), action, result._result, task.get_name(), check_mode, failed, ignored)

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True, ignored=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self.summary.add_unreachable(result._host.get_name(), result._result, result._task.get_name())

    def document(self, stats):
        hosts = {}
        for host in sorted(stats.processed):
            hosts[host] = stats.summarize(host)
        failed = any(counts.get('failures') or counts.get('unreachable') for counts in hosts.values())
        document = {'schema_version': SCHEMA_VERSION, 'generator': GENERATOR, 'playbooks': self.playbooks,
                    'started': self.started, 'finished': now(), 'check_mode': bool(context.CLIARGS.get('check')),
                    'status': 'failed' if failed else 'successful', 'hosts': hosts}
        document.update(self.summary.as_dict())
        return document

    def v2_playbook_on_stats(self, stats):
        document = self.document(stats)
        path = self.get_option('summary_file')
        if self.get_option('show_table'):
            self._display.banner('RELEASE SUMMARY')
            for line in self.summary.render():
                self._display.display(line)
        if path:
            try:
                write_json(path, document)
            except OSError as exc:
                self._display.warning('casa.distro.release_summary: cannot write %s: %s' % (path, exc))
                return
            self._display.display('Release summary written to %s' % path)
