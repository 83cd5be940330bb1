#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: casa_release_plan
short_description: Create, update, publish and apply release plans over the git repositories of a distribution
version_added: 0.1.0
description:
  - The release side of C(casa_distro_admin) as one module, with git (through GitPython) where casa-distro
    used GitHub's retired Subversion bridge.
  - O(command=create) replaces C(create_release_plan). It reads every component of O(components_file)
    (or those named by O(components)) from its remote and writes a new plan to O(plan_file).
  - O(command=update) replaces C(update_release_plan). It reads again only the components asked for
    and keeps every other entry of the plan as it is. A C(planned_version) edited by hand is kept while
    the versions of the branches are unchanged.
  - O(command=publish) replaces C(publish_release_plan). It renders the plan as an HTML page
    (rows coloured by state like the v2 report) and a Markdown page, ready to copy to the publish host.
  - O(command=apply) replaces C(apply_release_plan). For each component it tags the old latest-release
    commit with its version, commits the version bump on the bug-fix branch, moves or creates the
    latest-release branch, and pushes each of these as soon as it is made.
  - The rules are those of casa-distro v2. Identical bug-fix and latest-release commits mean nothing to do.
    Equal versions bump the patch number of bug-fix. A latest-release version higher than the bug-fix
    version is an error. A version tag that already exists on another commit is an error.
  - Apply is resumable. The status of each action is saved in the plan file as soon as it succeeds, and
    an action found already done on the remote (an interrupted run) is not done twice.
  - Apply refuses a plan whose remotes moved since it was made and names the components to update.
    Errors always block; warnings block unless O(ignore_warnings=true).
  - The plan file schema and the workflow are described in the collection's C(docs/release_plans.md).
author:
  - casa.distro developers (@casa-distro)
extends_documentation_fragment:
  - casa.distro.attributes
attributes:
  check_mode:
    support: full
    details:
      - O(command=create) and O(command=update) read the remotes and say whether the plan would change,
        without writing it. The working clones under O(work_dir) (a local cache) are still fetched.
      - O(command=publish) says whether a report would change, without writing it.
      - O(command=apply) is the dry run. It checks the plan and the remotes, lists every pending action
        in RV(actions), and changes neither the remotes nor the plan file.
  diff_mode:
    support: full
    details:
      - The plan file before and after (for apply in check mode, with the pending actions marked done).
  idempotent:
    support: full
    details:
      - A second create or update with unchanged remotes does not change the plan file.
      - A second apply finds every action done and changes nothing.
options:
  command:
    description:
      - What to do with the plan.
      - V(create) makes a new plan from the remotes of O(components_file), replacing O(plan_file).
      - V(update) reads again the remotes of O(components) (all components by default) and keeps the
        rest of O(plan_file), which must exist.
      - V(publish) writes O(html_report) and O(markdown_report) from O(plan_file).
      - V(apply) runs the pending actions of O(plan_file) against the remotes.
    type: str
    choices: [create, update, publish, apply]
    required: true
  plan_file:
    description:
      - The release plan (YAML). Written by V(create) and V(update), read by V(publish), read and
        updated (action statuses) by V(apply).
    type: path
    required: true
  components_file:
    description:
      - YAML file listing the components, required by V(create) and V(update).
      - Its C(components) list holds per component C(name), C(url) (anything git can fetch and push to),
        and optionally C(project) (default the name), C(bug_fix_branch) (default the remote's default
        branch), C(latest_release_branch) (default V(latest_release)), C(version_file) (detected by
        default) and C(tag_format) (default V({version})). A C(defaults) mapping sets these for every
        component.
      - The version file is detected at the bug-fix commit, in this order. C(project_info.cmake)
        (C(BRAINVISA_PACKAGE_VERSION_MAJOR/MINOR/PATCH)), C(python/*/info.py), C(*/info.py), C(info.py)
        (C(version_major/minor/micro)), C(pyproject.toml) (static C(version)), then C(VERSION).
      - A C(url) may carry credentials (C(https://user:token@host/repo.git)). They are never written to the
        plan, the reports or the results, which hold the URL without them; git gets them through its
        environment. V(apply) takes them from this file when it is given.
    type: path
  decisions_file:
    description:
      - Optional YAML file of decisions, as in casa-distro v2. C(ignore.component) and C(ignore.project)
        list components and whole projects left out of the release; they appear in the plan as
        V(ignored) and are never applied.
    type: path
  components:
    description:
      - The components to read, as fnmatch patterns on their names; all components of
        O(components_file) by default.
      - With V(update), only these entries of the plan are replaced. With V(create), the new plan
        holds only these components.
    type: list
    elements: str
  html_report:
    description:
      - Where V(publish) writes the HTML report.
    type: path
  markdown_report:
    description:
      - Where V(publish) writes the Markdown report.
    type: path
  title:
    description:
      - Title of the published reports.
    type: str
    default: Release plan
  ignore_warnings:
    description:
      - Let V(apply) proceed with components that carry warnings. Errors always block.
    type: bool
    default: false
  work_dir:
    description:
      - Directory holding one working clone per component, used to read version files, make the
        version-bump commits and tags, and push them. Kept between runs as a cache.
    type: path
    default: ~/.cache/casa_distro/release_plan
  git_author_name:
    description:
      - Author and committer name of the version-bump commits and release tags; the git configuration
        of the user running the module by default.
    type: str
  git_author_email:
    description:
      - Author and committer email of the version-bump commits and release tags; the git configuration
        of the user running the module by default.
    type: str
  parallel:
    description:
      - How many remotes are read at the same time by V(create), V(update) and V(apply).
    type: int
    default: 4
notes:
  - The module runs where the working clones live and needs GitPython, the git command and access
    (read, and push for V(apply)) to every remote.
  - A failed V(apply) has saved every action that succeeded; run it again once the cause is fixed.
seealso:
  - module: casa.distro.casa_docker_image
'''

EXAMPLES = r'''
- name: Make the release plan of every component (create_release_plan)
  casa.distro.casa_release_plan:
    command: create
    components_file: "{{ playbook_dir }}/release/components.yml"
    decisions_file: "{{ playbook_dir }}/release/decisions.yml"
    plan_file: "{{ playbook_dir }}/release/release_plan.yml"
  register: plan

- name: Read again two components after fixes, keeping the rest and the hand-edited versions
  casa.distro.casa_release_plan:
    command: update
    components: [soma-base, 'morpho*']
    components_file: "{{ playbook_dir }}/release/components.yml"
    plan_file: "{{ playbook_dir }}/release/release_plan.yml"

- name: Render it for review (publish_release_plan)
  casa.distro.casa_release_plan:
    command: publish
    plan_file: "{{ playbook_dir }}/release/release_plan.yml"
    html_report: /var/www/release/release_plan.html
    markdown_report: "{{ playbook_dir }}/release/release_plan.md"

- name: Show every action the release would take, changing nothing
  casa.distro.casa_release_plan:
    command: apply
    plan_file: "{{ playbook_dir }}/release/release_plan.yml"
  check_mode: true
  register: dry_run

- name: Apply it (apply_release_plan); run again after a failure to resume
  casa.distro.casa_release_plan:
    command: apply
    plan_file: "{{ playbook_dir }}/release/release_plan.yml"
    git_author_name: CASA release bot
    git_author_email: release@example.org
'''

RETURN = r'''
changed:
  description:
    - Whether the plan file or a report changed (create, update, publish), or whether apply changed
      a remote or recorded an action found already done.
  returned: always
  type: bool
actions:
  description:
    - What was done, in words, in order. Create and update give the state of each component read.
      Apply gives each action run (prefixed by C(would) in check mode) and each action found
      already applied on its remote.
  returned: always
  type: list
  elements: str
  sample: ["soma/soma-base: tag 5.1.2 at latest_release commit 1dac447a21 and push it"]
plan_file:
  description: The plan file path.
  returned: always
  type: str
plan:
  description:
    - The plan after the task (in check mode, as it would be), with the schema of the plan file.
      C(projects) maps project to component to entry.
  returned: success
  type: dict
  sample:
    schema_version: 1
    generator: casa.distro.casa_release_plan
    projects:
      soma:
        soma-base:
          url: https://github.com/brainvisa/soma-base.git
          state: todo
          version_file: python/soma/info.py
          bug_fix: {branch: master, commit: ff33c6834e2ba72630f4f792b7e3b7a8ab16e580, version: 5.1.2}
          latest_release: {branch: latest_release, commit: 1dac447a2150dc55bd91dd26e97c04a67475cdc7, version: 5.1.2}
          version_tag: {name: 5.1.2, commit: null}
          proposed_version: 5.1.3
          planned_version: 5.1.3
          actions:
            - {action: tag, tag: 5.1.2, commit: 1dac447a2150dc55bd91dd26e97c04a67475cdc7, status: pending}
          info: [Upgrade from version 5.1.2 to version 5.1.3.]
          warnings: []
          errors: []
summary:
  description: Number of components per state (error, warning, todo, done, nothing, ignored).
  returned: success
  type: dict
  sample: {error: 0, warning: 1, todo: 12, done: 0, nothing: 40, ignored: 2}
reports:
  description: The reports written (or that would be written) by publish, by kind (C(html), C(markdown)).
  returned: when O(command=publish)
  type: dict
  sample: {html: /var/www/release/release_plan.html}
moved:
  description: Components whose remotes moved since the plan was made (apply refused them).
  returned: when apply failed for that reason
  type: list
  elements: str
problems:
  description: The errors and warnings that block apply, one per line.
  returned: when apply failed for that reason
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.casa.distro.plugins.module_utils._git import client as git_client
from ansible_collections.casa.distro.plugins.module_utils._module import require_library, run_module
from ansible_collections.casa.distro.plugins.module_utils._release_plan import yaml_files
from ansible_collections.casa.distro.plugins.module_utils._release_plan.manager import ReleasePlanManager


def main():
    module = AnsibleModule(
        argument_spec=dict(
            command=dict(type='str', required=True, choices=['create', 'update', 'publish', 'apply']),
            plan_file=dict(type='path', required=True),
            components_file=dict(type='path'),
            decisions_file=dict(type='path'),
            components=dict(type='list', elements='str'),
            html_report=dict(type='path'),
            markdown_report=dict(type='path'),
            title=dict(type='str', default='Release plan'),
            ignore_warnings=dict(type='bool', default=False),
            work_dir=dict(type='path', default='~/.cache/casa_distro/release_plan'),
            git_author_name=dict(type='str'),
            git_author_email=dict(type='str'),
            parallel=dict(type='int', default=4),
        ),
        supports_check_mode=True,
        required_if=[
            ('command', 'create', ('components_file',)),
            ('command', 'update', ('components_file',)),
            ('command', 'publish', ('html_report', 'markdown_report'), True),
        ],
    )
    require_library(module, yaml_files.HAS_YAML, 'PyYAML', yaml_files.YAML_IMPORT_ERROR)
    require_library(module, git_client.HAS_GITPYTHON, 'GitPython', git_client.GITPYTHON_IMPORT_ERROR)
    run_module(module, lambda module: ReleasePlanManager(module.params, module.check_mode))


if __name__ == '__main__':
    main()
