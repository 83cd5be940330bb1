# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The run_or_look filter: the result of the real task where it ran, else the result of the look."""

from __future__ import annotations

DOCUMENTATION = r'''
name: run_or_look
short_description: The result of a task that ran, else the result of the check-mode look before it
version_added: 0.1.0
author: casa.distro contributors
positional: look
description:
  - The roles of this collection look first (a synchronous task in check mode, registered as the
    I(look)) and run the real, asynchronous task only where the look reported a change (the
    I(run), skipped otherwise). This filter is the one result to read afterwards - the run's where
    it ran, else the look's.
  - A result I(did not run) when it has a true C(skipped), as the P(ansible.builtin.skipped#test)
    test says - a task whose C(when) was false, a loop over no items, a loop whose items were all
    skipped. Any other result ran, whatever its C(changed) or C(failed).
  - A run that did not run gives the look as it is, whatever its shape.
  - A run and a look that are both loop results (they have C(results)) give a loop result that
    picks item by item - the run's item where it ran, else the look's item at the same index. The
    two loops must have as many items; a task loops over the same list for the look and the run.
  - A variable that was never registered (the task was not reached, for example in a file whose
    M(ansible.builtin.include_tasks) did not run) is undefined, and this filter fails on it as
    any filter does - test it with C(is defined) first.
  - Fails naming the problem when an argument or a loop item is not a task result (a dictionary
    with C(changed), as every registered result has), when one of the two is a loop result and
    the other is not, or when the loops differ in length.
options:
  _input:
    description: The registered result of the real task (the run), single or loop.
    type: dict
    required: true
  look:
    description: The registered result of the look (the same task in check mode, run before).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Look whether the image needs building
  casa.distro.casa_docker_image: &build_args
    name: registry.example.org/casa/casa-run
    path: /srv/recipes/casa-run
  check_mode: true
  register: build_look

- name: Build the image
  casa.distro.casa_docker_image: *build_args
  async: 3600
  poll: 10
  when: build_look is changed and not ansible_check_mode
  register: build_run

- name: Keep the result of the image, built or looked at
  ansible.builtin.set_fact:
    build_result: "{{ build_run | casa.distro.run_or_look(build_look) }}"

# Loops: each item is the run's where it ran, else the look's.
- name: Look whether the SIF images need converting
  casa.distro.casa_singularity_image: &convert_args
    image: "{{ item }}"
    dest: "/srv/sif/{{ item | basename | replace(':', '-') }}.sif"
  check_mode: true
  loop: "{{ images }}"
  register: convert_look

- name: Convert the images that need it
  casa.distro.casa_singularity_image: *convert_args
  loop: "{{ images }}"
  loop_control:
    index_var: index
  when: convert_look.results[index] is changed and not ansible_check_mode
  register: convert_run

- name: Say what each SIF image is
  ansible.builtin.debug:
    msg: "{{ (convert_run | casa.distro.run_or_look(convert_look)).results | map(attribute='path') }}"

# A run registered in a file that may not have been included: test it first.
- name: Say what the push did, if the push was included
  ansible.builtin.debug:
    msg: "{{ (push_run | casa.distro.run_or_look(push_look)) if push_run is defined else {} }}"
'''

RETURN = r'''
_value:
  description:
    - The run where it ran, else the look, both as they were registered.
    - For two loop results, a new loop result - C(results), the item of the run where it ran, else
      the item of the look; C(changed) and C(failed), true when an item's is; C(skipped), true when
      every item's is.
  type: dict
'''

from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError


def run_or_look(run, look):
    """The run where it ran (no true `skipped`), else the look; loop results item by item."""
    _check_result(run, 'the run (the value filtered)')
    _check_result(look, 'the look (the argument)')
    if run.get('skipped'):
        return look
    run_items = _loop_items(run, 'the run')
    look_items = _loop_items(look, 'the look')
    if run_items is None and look_items is None:
        return run
    if run_items is None or look_items is None:
        looping, single = ('the look', 'the run') if run_items is None else ('the run', 'the look')
        raise AnsibleFilterError('%s is a loop result (it has results) and %s is not' % (looping, single))
    if len(run_items) != len(look_items):
        raise AnsibleFilterError('the run has %d loop results and the look %d: both must loop over the same items'
                                 % (len(run_items), len(look_items)))
    items = [_pick(index, run_item, look_item)
             for index, (run_item, look_item) in enumerate(zip(run_items, look_items))]
    return {
        'results': items,
        'changed': any(bool(item.get('changed')) for item in items),
        'failed': any(bool(item.get('failed')) for item in items),
        'skipped': all(bool(item.get('skipped')) for item in items),
    }


def _pick(index, run_item, look_item):
    _check_result(run_item, 'item %d of the run' % index)
    _check_result(look_item, 'item %d of the look' % index)
    return look_item if run_item.get('skipped') else run_item


def _check_result(value, what):
    # Every result Ansible registers, and every item of a loop result, has "changed".
    if not isinstance(value, Mapping) or 'changed' not in value:
        raise AnsibleFilterError("%s is not a task result (a registered dictionary with 'changed'): got %s"
                                 % (what, _kind(value)))


def _loop_items(result, what):
    items = result.get('results')
    if items is None:
        return None
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise AnsibleFilterError('%s has results that are not a list: got %s' % (what, _kind(items)))
    return items


def _kind(value):
    # Names only the shape: a result may hold values that must not reach a log.
    if isinstance(value, Mapping):
        return 'a dictionary with keys %s' % ', '.join(sorted(str(key) for key in value)) if value else 'an empty dictionary'
    for types, kind in ((type(None), 'null'), (bool, 'a boolean'), ((int, float), 'a number'),
                        ((str, bytes), 'a string'), (Sequence, 'a list')):
        if isinstance(value, types):
            return kind
    return 'a value of type %s' % type(value).__name__


class FilterModule:
    """casa.distro.run_or_look"""

    def filters(self):
        return {'run_or_look': run_or_look}
