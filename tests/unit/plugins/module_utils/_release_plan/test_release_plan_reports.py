# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTML and Markdown reports."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._release_plan.components import Component
from ansible_collections.casa.distro.plugins.module_utils._release_plan.plan_file import set_entry
from ansible_collections.casa.distro.plugins.module_utils._release_plan.reports import render_html, render_markdown
from ansible_collections.casa.distro.plugins.module_utils._release_plan.rules import evaluate


def test_reports_colour_rows_by_state(facts, make_plan):
    plan = make_plan()
    set_entry(plan, 'aims', 'broken', evaluate(Component('broken', 'u'), facts(lr_version='9.0')))
    page = render_html(plan, 'Release <5.2>')
    assert '<title>Release &lt;5.2&gt;</title>' in page
    assert '<tr class="error" style="background-color: #d50000">' in page
    assert '<tr class="todo" style="background-color: #a5d6a7">' in page
    assert '<tr class="nothing" style="background-color: #b0bec5">' in page
    markdown = render_markdown(plan)
    assert '| aims | broken | error |' in markdown and 'error: 1, warning: 0, todo: 2' in markdown
