# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which local images prune=superseded removes: the selection alone, no daemon."""

from __future__ import annotations

import pytest

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.prune import check_prune_option, plan_prune
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import HASH_LABEL, NAME_LABEL

RUN = 'reg/casa/run'
DEV = 'reg/casa/dev'
WANTED = frozenset([RUN + ':5.4', RUN + ':latest', DEV + ':5.4'])


def image(image_id, tags=(), built_for=None, size=100, parent=None, recipe_hash='sha256:0'):
    labels = {NAME_LABEL: built_for, HASH_LABEL: recipe_hash} if built_for else {}
    return {'Id': image_id, 'ParentId': parent or '', 'RepoTags': list(tags) or ['<none>:<none>'],
            'Labels': labels, 'Size': size}


def step(image_id, parent, labels_of=None, size=100):
    """A step of a classic build: untagged, labelled like the image it starts from."""
    labels = dict(labels_of['Labels']) if labels_of else {}
    return {'Id': image_id, 'ParentId': parent, 'RepoTags': ['<none>:<none>'], 'Labels': labels, 'Size': size}


def plan(images, wanted=WANTED, produced=(), protected=()):
    return [(r.image_id, r.untag, r.delete) for r in plan_prune(images, wanted, produced, protected)]


def test_a_tag_no_recipe_defines_goes_with_its_image():
    images = [image('new', [RUN + ':5.4', RUN + ':latest'], RUN), image('old', [RUN + ':5.3'], RUN)]
    assert plan(images, produced={'new'}) == [('old', [RUN + ':5.3'], True)]


def test_an_old_id_left_untagged_by_a_rebuild_is_removed():
    images = [image('new', [RUN + ':5.4'], RUN), image('old', built_for=RUN)]
    assert plan(images, produced={'new'}) == [('old', [], True)]


def test_a_superseded_tag_of_a_produced_image_is_only_untagged():
    images = [image('same', [RUN + ':5.4', RUN + ':5.3'], RUN)]
    assert plan(images, produced={'same'}) == [('same', [RUN + ':5.3'], False)]


def test_nothing_to_do_when_every_tag_is_wanted():
    images = [image('new', [RUN + ':5.4', RUN + ':latest'], RUN), image('dev', [DEV + ':5.4'], DEV)]
    assert plan(images, produced={'new', 'dev'}) == []


def test_images_outside_the_family_are_never_touched():
    images = [
        image('similar', ['reg/casa/run-extra:1', 'reg/casa/runner:5.3']),
        image('other-prefix', ['reg/other/run:5.3'], 'reg/other/run'),
        image('untagged-foreign', built_for='reg/casa/run-extra'),
        image('untagged-unlabelled'),
    ]
    assert plan(images) == []


def test_an_untagged_image_without_the_recipe_hash_is_not_ours():
    unlabelled = image('old')
    unlabelled['Labels'] = {NAME_LABEL: RUN}
    assert plan([unlabelled]) == []


def test_a_family_tag_on_an_image_with_other_names_is_untagged_and_the_image_kept():
    images = [image('old', [RUN + ':5.3', 'mine/kept:1'], RUN)]
    assert plan(images) == [('old', [RUN + ':5.3'], False)]


def test_bases_and_images_used_by_containers_are_protected():
    images = [image('base', [RUN + ':base'], RUN), image('running', built_for=RUN)]
    assert plan(images, protected={'base', 'running'}) == []


def test_the_parents_of_a_protected_image_stay():
    old_run = image('old-run', [RUN + ':5.3'], RUN)
    images = [old_run, step('s1', 'old-run', old_run), image('old-dev', built_for=DEV, parent='s1')]
    assert plan(images, protected={'old-dev'}) == []
    assert plan(images) == [('old-dev', [], True), ('old-run', [RUN + ':5.3'], True)]


def test_the_produced_ids_are_never_deleted_even_when_untagged():
    assert plan([image('new', built_for=RUN)], produced={'new'}) == []


def family_rebuilt_with_a_new_app_tag():
    """The daemon after a rebuild of run, dev and app where app 5.3 became 5.4: `docker images`
    hides the old run and dev (untagged, with children) under the old app."""
    old_run = image('old-run', built_for=RUN, size=300, parent='base')
    old_dev = image('old-dev', built_for=DEV, size=450, parent='s2', recipe_hash='sha256:d')
    return [image('base', ['debian:12'], size=200), old_run,
            step('s1', 'old-run', old_run, size=400), step('s2', 's1', old_run, size=450), old_dev,
            step('s3', 'old-dev', old_dev, size=460), image('old-app', ['reg/casa/app:5.3'], 'reg/casa/app', size=470, parent='s3'),
            image('new-run', [RUN + ':5.4'], RUN, size=310, parent='base'),
            image('new-app', ['reg/casa/app:5.4'], 'reg/casa/app', size=480, parent='new-run')]


def test_an_old_chain_goes_with_its_last_child_and_counts_in_its_size():
    wanted = WANTED | {'reg/casa/app:5.4'}
    removals = plan_prune(family_rebuilt_with_a_new_app_tag(), wanted, produced={'new-run', 'new-app'})
    # The daemon removes the untagged parents with old-app; they are freed above the base.
    assert [(r.image_id, r.untag, r.delete, r.size) for r in removals] == [('old-app', ['reg/casa/app:5.3'], True, 270)]


def test_children_are_removed_before_their_parents():
    old_run = image('old-run', [RUN + ':5.3'], RUN, size=300)
    images = [old_run, step('s1', 'old-run', old_run, size=310), image('old-dev', [DEV + ':5.3'], DEV, size=320, parent='s1')]
    assert [(r.image_id, r.size) for r in plan_prune(images, WANTED)] == [('old-dev', 20), ('old-run', 300)]


def test_the_steps_of_a_build_are_not_builds():
    new_run = image('new-run', [RUN + ':5.4'], RUN)
    images = [new_run, step('s1', 'new-run', new_run), image('new-dev', [DEV + ':5.4'], DEV, parent='s1')]
    assert plan(images, produced={'new-run', 'new-dev'}) == []


def test_an_image_a_kept_image_is_built_on_stays():
    old_run = image('old-run', [RUN + ':5.3'], RUN)
    images = [old_run, step('step', 'old-run', old_run), image('user', ['me/tool:1'], parent='step')]
    assert plan(images) == []


def test_a_parent_cycle_in_the_daemon_answer_does_not_loop():
    images = [image('a', built_for=RUN, parent='b'), image('b', ['x/y:1'], parent='a')]
    assert plan(images) == []


def test_removal_reports_name_id_and_size():
    removal = plan_prune([image('old', [RUN + ':5.3'], RUN, size=1234)], WANTED)[0]
    assert removal.as_dict() == {'image_id': 'old', 'names': [RUN + ':5.3'], 'deleted': True, 'size': 1234}
    kept = plan_prune([image('old', [RUN + ':5.3', 'x/y:1'], RUN, size=1234)], WANTED)[0]
    assert kept.as_dict()['size'] == 0


@pytest.mark.parametrize('params', [dict(prune='superseded', state='absent'),
                                    dict(prune='superseded', source='pull'),
                                    dict(prune='everything')])
def test_prune_follows_a_build_only(params):
    with pytest.raises(RecipeError, match='prune'):
        check_prune_option(params)


def test_prune_defaults_to_none():
    assert check_prune_option({}) == 'none'
    assert check_prune_option(dict(prune='superseded', state='present', source='build')) == 'superseded'
