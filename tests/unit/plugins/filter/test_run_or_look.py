# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The run_or_look filter: single results, loop results item by item, whole skips, and the
errors on what is not a pair of task results. The results have the shapes Ansible registers
(a skipped task, a loop over no items, check-mode looks and asynchronous runs)."""

from __future__ import annotations

import copy

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.casa.distro.plugins.filter.run_or_look import FilterModule, run_or_look

SKIPPED = {'changed': False, 'skipped': True, 'skip_reason': 'Conditional result was False',
           'false_condition': 'docker_images_base_probe is changed and not ansible_check_mode'}
NO_ITEMS = {'changed': False, 'skipped': True, 'skipped_reason': 'No items in the list', 'results': []}


def look(name, changed):
    return {'changed': changed, 'images': [{'name': name, 'build_reason': 'missing' if changed else None}],
            'actions': ['Would build %s' % name] if changed else []}


def run(name):
    return {'changed': True, 'finished': 1, 'ansible_job_id': 'j%s' % name, 'images': [{'name': name}],
            'actions': ['Built %s' % name]}


def item(result, index, name):
    return dict(result, item={'name': name}, ansible_loop_var='item', singularity_images_index=index)


def skipped_item(index, name):
    return item(SKIPPED, index, name)


def loop(*items):
    return {'changed': any(i['changed'] for i in items), 'skipped': all(i.get('skipped', False) for i in items),
            'msg': 'All items completed', 'results': list(items)}


# ------------------------------------------------------------------ single results

def test_the_run_where_it_ran():
    ran = run('casa-run')
    assert run_or_look(ran, look('casa-run', True)) is ran


def test_the_look_where_the_run_was_skipped():
    looked = look('casa-run', True)
    assert run_or_look(SKIPPED, looked) is looked


def test_the_look_where_the_look_was_skipped_too():
    # docker_images_base empty: the look is skipped, the run too; the kept result says skipped.
    looked = dict(SKIPPED, false_condition='docker_images_base | length > 0')
    assert run_or_look(SKIPPED, looked) is looked


@pytest.mark.parametrize('ran', [
    {'changed': False},
    {'changed': False, 'skipped': False},
    {'changed': False, 'skipped': None},
    {'changed': False, 'skipped': 0},
    {'changed': True, 'failed': True, 'msg': 'the build failed'},
    {'changed': False, 'started': 1, 'finished': 0, 'ansible_job_id': 'j1'},
])
def test_ran_means_no_true_skipped(ran):
    assert run_or_look(ran, look('casa-run', True)) is ran


def test_a_truthy_skipped_did_not_run():
    looked = look('casa-run', False)
    assert run_or_look({'changed': False, 'skipped': 1}, looked) is looked


# ------------------------------------------------------------------ loop results

def test_loops_item_by_item():
    looks = [item(look('a', True), 0, 'a'), item(look('b', False), 1, 'b'), item(look('c', True), 2, 'c')]
    runs = [item(run('a'), 0, 'a'), skipped_item(1, 'b'), item(run('c'), 2, 'c')]
    kept = run_or_look(loop(*runs), loop(*looks))
    assert kept == {'results': [runs[0], looks[1], runs[2]], 'changed': True, 'failed': False, 'skipped': False}
    assert kept['results'][0] is runs[0] and kept['results'][1] is looks[1] and kept['results'][2] is runs[2]


def test_loops_where_the_runs_that_ran_did_not_change():
    looks = [item(look('a', True), 0, 'a'), item(look('b', False), 1, 'b')]
    runs = [item({'changed': False, 'finished': 1}, 0, 'a'), skipped_item(1, 'b')]
    kept = run_or_look(loop(*runs), loop(*looks))
    assert kept == {'results': [runs[0], looks[1]], 'changed': False, 'failed': False, 'skipped': False}


def test_loops_where_a_look_item_was_skipped_too():
    # A SIF still to convert in a dry run: its push look is skipped, and so is its push.
    looks = [skipped_item(0, 'a'), item(look('b', True), 1, 'b')]
    runs = [skipped_item(0, 'a'), item(run('b'), 1, 'b')]
    kept = run_or_look(loop(*runs), loop(*looks))
    assert kept['results'] == [looks[0], runs[1]]
    assert kept['results'][0] is looks[0]
    assert (kept['changed'], kept['failed'], kept['skipped']) == (True, False, False)


def test_loops_with_a_failed_item_say_failed():
    looks = [item(look('a', True), 0, 'a'), item(look('b', True), 1, 'b')]
    runs = [item(dict(run('a'), failed=True), 0, 'a'), item(run('b'), 1, 'b')]
    kept = run_or_look(dict(loop(*runs), failed=True), loop(*looks))
    assert kept['failed'] is True
    assert kept['results'] == runs


def test_loops_whose_run_items_were_all_skipped_give_the_look():
    looks = loop(item(look('a', False), 0, 'a'), item(look('b', False), 1, 'b'))
    assert run_or_look(loop(skipped_item(0, 'a'), skipped_item(1, 'b')), looks) is looks


def test_loops_over_no_items_give_the_look():
    looked = copy.deepcopy(NO_ITEMS)
    assert run_or_look(NO_ITEMS, looked) is looked


def test_a_loop_run_skipped_before_its_items_gives_the_look():
    # A false "when" on a loop whose list is undefined: skipped, no results.
    looks = loop(item(look('a', False), 0, 'a'))
    assert run_or_look(SKIPPED, looks) is looks


def test_the_inputs_are_left_as_they_were():
    looks = loop(item(look('a', True), 0, 'a'), item(look('b', False), 1, 'b'))
    runs = loop(item(run('a'), 0, 'a'), skipped_item(1, 'b'))
    before = copy.deepcopy((runs, looks))
    run_or_look(runs, looks)
    assert (runs, looks) == before


# ------------------------------------------------------------------ errors

def error_of(ran, looked):
    with pytest.raises(AnsibleFilterError) as caught:
        run_or_look(ran, looked)
    return str(caught.value)


def test_loops_of_different_lengths():
    looks = loop(item(look('a', True), 0, 'a'), item(look('b', True), 1, 'b'))
    runs = loop(item(run('a'), 0, 'a'))
    assert error_of(runs, looks) == 'the run has 1 loop results and the look 2: both must loop over the same items'


def test_a_loop_run_and_a_single_look():
    message = error_of(loop(item(run('a'), 0, 'a')), look('a', True))
    assert message == 'the run is a loop result (it has results) and the look is not'


def test_a_single_run_and_a_loop_look():
    message = error_of(run('a'), loop(item(look('a', True), 0, 'a')))
    assert message == 'the look is a loop result (it has results) and the run is not'


@pytest.mark.parametrize('value, kind', [
    (None, 'null'),
    ([], 'a list'),
    ([{'changed': True}], 'a list'),
    ('changed', 'a string'),
    (True, 'a boolean'),
    (3, 'a number'),
    ({}, 'an empty dictionary'),
    ({'images': [], 'skipped': True}, 'a dictionary with keys images, skipped'),
    (object(), 'a value of type object'),
])
def test_what_is_not_a_task_result(value, kind):
    expected = "is not a task result (a registered dictionary with 'changed'): got %s" % kind
    assert error_of(value, look('a', True)) == 'the run (the value filtered) ' + expected
    assert error_of(run('a'), value) == 'the look (the argument) ' + expected
    # Even where the run was skipped: the look must be a result to be kept.
    assert error_of(SKIPPED, value) == 'the look (the argument) ' + expected


def test_an_item_that_is_not_a_task_result():
    looks = loop(item(look('a', True), 0, 'a'), item(look('b', True), 1, 'b'))
    runs = {'changed': True, 'results': [item(run('a'), 0, 'a'), 'b']}
    assert error_of(runs, looks) == "item 1 of the run is not a task result (a registered dictionary with 'changed'): got a string"
    runs = loop(item(run('a'), 0, 'a'), item(run('b'), 1, 'b'))
    looks = {'changed': True, 'results': [item(look('a', True), 0, 'a'), {'item': 'b'}]}
    assert error_of(runs, looks) == ("item 1 of the look is not a task result (a registered dictionary with 'changed'): "
                                     "got a dictionary with keys item")


@pytest.mark.parametrize('results, kind', [('abc', 'a string'), ({'a': 1}, 'a dictionary with keys a'), (5, 'a number')])
def test_results_that_are_not_a_list(results, kind):
    assert error_of({'changed': True, 'results': results}, loop(item(look('a', True), 0, 'a'))) == \
        'the run has results that are not a list: got %s' % kind
    assert error_of(run('a'), {'changed': True, 'results': results}) == 'the look has results that are not a list: got %s' % kind


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {'run_or_look': run_or_look}
