# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The published reports of a plan: a standalone HTML page and a Markdown page."""

from __future__ import annotations

import html

from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import plan_entries, summarise
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import STATES, component_state, short

# Row colours of the reports, those of the v2 release plan, plus done and ignored.
STATE_COLOURS = {
    'error': '#d50000',
    'warning': '#ff8a65',
    'todo': '#a5d6a7',
    'nothing': '#b0bec5',
    'done': '#90caf9',
    'ignored': '#eceff1',
}


def _branch_cell(info):
    if not info or not info.get('commit'):
        return '%s: absent' % ((info or {}).get('branch') or '?')
    return '%s %s (%s)' % (info.get('branch'), info.get('version') or '?', short(info.get('commit')))


def _action_lines(entry):
    lines = []
    for action in entry.get('actions') or []:
        kind = action['action']
        if kind == 'tag':
            text = 'tag %s at %s' % (action['tag'], short(action['commit']))
        elif kind == 'set_version':
            text = 'set %s to %s on %s' % (action['file'], action['version'], action['branch'])
        else:
            text = '%s %s at %s' % ('move' if action.get('from_commit') else 'create', action['branch'], action['source'])
        lines.append('[%s] %s' % (action['status'], text))
    return lines


def _message_lines(entry):
    return (['ERROR: %s' % m for m in entry.get('errors') or []] + ['WARNING: %s' % m for m in entry.get('warnings') or []]
            + list(entry.get('info') or []))


def render_html(plan, title='Release plan'):
    """A standalone HTML page: one coloured row per component (v2 colours), a legend and counts."""
    esc = html.escape
    counts = summarise(plan)
    rows = []
    for project, name, entry in plan_entries(plan):
        state = component_state(entry)
        cells = [esc(project), esc(name), esc(state), esc(_branch_cell(entry.get('latest_release'))),
                 esc(_branch_cell(entry.get('bug_fix'))), esc(entry.get('planned_version') or ''),
                 '<br>'.join(esc(line) for line in _action_lines(entry)),
                 '<br>'.join(esc(line) for line in _message_lines(entry))]
        rows.append('<tr class="%s" style="background-color: %s">%s</tr>'
                    % (state, STATE_COLOURS[state], ''.join('<td>%s</td>' % cell for cell in cells)))
    legend = ' '.join('<span style="background-color: %s; padding: 0 0.5em">%s: %d</span>' % (STATE_COLOURS[s], s, counts[s])
                      for s in STATES)
    return '\n'.join([
        '<!DOCTYPE html>',
        '<html><head><meta charset="utf-8"><title>%s</title>' % esc(title),
        '<style>table {border-collapse: collapse} td, th {border: 1px solid #607d8b; padding: 0.2em 0.5em; '
        'vertical-align: top; font-family: sans-serif; font-size: small}</style></head><body>',
        '<h1>%s</h1>' % esc(title),
        '<p>%s</p>' % legend,
        '<table><thead><tr><th>Project</th><th>Component</th><th>State</th><th>latest_release</th><th>bug_fix</th>'
        '<th>Planned version</th><th>Actions</th><th>Comments</th></tr></thead><tbody>',
    ] + rows + ['</tbody></table></body></html>', ''])


def _md_cell(text):
    return text.replace('\\', '\\\\').replace('|', '\\|').replace('\n', ' ')


def render_markdown(plan, title='Release plan'):
    """A Markdown page: counts per state and one table row per component."""
    counts = summarise(plan)
    lines = ['# %s' % title, '', ', '.join('%s: %d' % (s, counts[s]) for s in STATES), '',
             '| Project | Component | State | latest_release | bug_fix | Planned version | Actions | Comments |',
             '|---|---|---|---|---|---|---|---|']
    for project, name, entry in plan_entries(plan):
        cells = [project, name, component_state(entry), _branch_cell(entry.get('latest_release')),
                 _branch_cell(entry.get('bug_fix')), entry.get('planned_version') or '',
                 '<br>'.join(_action_lines(entry)), '<br>'.join(_message_lines(entry))]
        lines.append('| %s |' % ' | '.join(_md_cell(cell) for cell in cells))
    return '\n'.join(lines) + '\n'
