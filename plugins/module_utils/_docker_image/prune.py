# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""prune=superseded: after a family build, the local images of the family that no recipe
produces any more.

The family is the repositories its recipes produce (the name prefix included), nothing else.
In those repositories, a tag no recipe defines any more is superseded, and so is an untagged
image that casa_docker_image built for one of them (its label names the repository) and whose
tags the rebuild moved away. Removing an image removes with it the untagged parents nothing else
uses (the daemon does): the old parents a rebuild of the whole family left, and the steps of the
build; its size counts them. Never touched: images of other repositories, the image IDs the
family has now, its base images, images a container uses (running or stopped: the daemon
refuses to remove those anyway) and images a kept image is built on.

``plan_prune`` is the pure selection; ``prune_superseded`` asks the daemon, removes and reports.
"""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._docker_image.errors import RecipeError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.recipe import HASH_LABEL, NAME_LABEL
from ansible_collections.casa.distro.plugins.module_utils._image_reference import split_reference

PRUNE_CHOICES = ('none', 'superseded')
_NO_TAG = '<none>:<none>'


class Removal:
    """What pruning does to one local image: the superseded tags it removes, whether the image
    itself goes (it has no other name left), and the bytes that frees (its layers above the
    nearest image that stays or is removed on its own)."""

    def __init__(self, image_id, untag, delete, size=0):
        self.image_id = image_id
        self.untag = list(untag)
        self.delete = delete
        self.size = size

    def as_dict(self):
        return {'image_id': self.image_id, 'names': list(self.untag) or ['<none>'],
                'deleted': self.delete, 'size': self.size if self.delete else 0}

    def __repr__(self):
        return 'Removal(%r, %r, delete=%r)' % (self.image_id, self.untag, self.delete)


def _tags(image):
    return [tag for tag in image.get('RepoTags') or [] if tag != _NO_TAG]


def _removal(image, has_children, wanted, repositories, produced):
    """The Removal of one image (ignoring ancestry), or None when it is left alone."""
    tags = _tags(image)
    superseded = [tag for tag in tags if split_reference(tag)[0] in repositories and tag not in wanted]
    if tags:
        if not superseded:
            return None
        keeps_a_tag = len(superseded) < len(tags)
        return Removal(image['Id'], superseded, not keeps_a_tag and image['Id'] not in produced)
    labels = image.get('Labels') or {}
    # Untagged: an image casa_docker_image built for the family (an old ID a rebuild replaced),
    # as `docker images` lists it: without children. One with children is a step of a build or
    # an old parent, which the daemon removes with its last child.
    if not has_children and labels.get(NAME_LABEL) in repositories and labels.get(HASH_LABEL) \
            and image['Id'] not in produced:
        return Removal(image['Id'], [], True)
    return None


def _ancestors(image_id, parents):
    seen = []
    parent = parents.get(image_id)
    while parent and parent not in seen:
        seen.append(parent)
        parent = parents.get(parent)
    return seen


def _freed(removal, by_id, parents, stops):
    """Bytes the removal frees: its size above the nearest ancestor that stays or goes on its
    own (the daemon removes the untagged steps in between with it)."""
    size = by_id[removal.image_id].get('Size') or 0
    for ancestor in _ancestors(removal.image_id, parents):
        if ancestor in stops and ancestor in by_id:
            return max(0, size - (by_id[ancestor].get('Size') or 0))
    return size


def _candidates(images, with_children, wanted, produced, protected):
    """image ID -> Removal of every image that _removal selects, the protected ones left out."""
    repositories = {split_reference(reference)[0] for reference in wanted}
    removals = {}
    for image in images:
        if image['Id'] not in protected:
            removal = _removal(image, image['Id'] in with_children, wanted, repositories, produced)
            if removal is not None:
                removals[image['Id']] = removal
    return removals


def _needed(images, removals, with_children, parents, protected):
    """What stays, with its whole chain (the daemon would refuse, and it is in use): the images
    `docker images` lists (tagged, or without children) that are not removed, and the protected ones."""
    needed = set()
    for image in images:
        removal = removals.get(image['Id'])
        listed = _tags(image) or image['Id'] not in with_children
        if image['Id'] in protected or (listed and (removal is None or not removal.delete)):
            needed.add(image['Id'])
            needed.update(_ancestors(image['Id'], parents))
    return needed


def plan_prune(images, wanted, produced=(), protected=()):
    """The Removals that prune the family, children before their parents.

    ``images``: every image of the daemon, the steps of classic builds included
    (``GET /images/json?all=1``: ``Id``, ``ParentId``, ``RepoTags``, ``Labels``, ``Size``);
    ``wanted``: every ``name:tag`` the recipes produce (their repositories are the family);
    ``produced``: the family's image IDs now (never deleted; superseded tags removed);
    ``protected``: IDs never touched (bases, images used by containers).
    """
    protected = set(protected)
    by_id = {image['Id']: image for image in images}
    parents = {image['Id']: image.get('ParentId') or None for image in images}
    with_children = set(parents.values())
    removals = _candidates(images, with_children, set(wanted), set(produced), protected)
    needed = _needed(images, removals, with_children, parents, protected)
    planned = [removal for image_id, removal in removals.items() if not (removal.delete and image_id in needed)]
    stops = needed | {removal.image_id for removal in planned}
    for removal in planned:
        removal.size = _freed(removal, by_id, parents, stops) if removal.delete else 0
    depth = {removal.image_id: len(_ancestors(removal.image_id, parents)) for removal in planned}
    return sorted(planned, key=lambda removal: (-depth[removal.image_id], removal.image_id))


def check_prune_option(params):
    """``prune`` only follows a build: another source or state=absent has no family to keep."""
    prune = params.get('prune') or 'none'
    if prune not in PRUNE_CHOICES:
        raise RecipeError('prune: expected one of %s, got %r' % (', '.join(PRUNE_CHOICES), prune))
    if prune != 'none' and ((params.get('state') or 'present') != 'present' or (params.get('source') or 'build') != 'build'):
        raise RecipeError('prune=%s follows a build: it needs state=present and source=build, got state=%s and source=%s'
                          % (prune, params.get('state') or 'present', params.get('source') or 'build'))
    return prune


def prune_superseded(task):
    """Prune the family of ``task`` (a DockerImageManager, after its build) on its daemon.

    Appends each removed image (a dict) to ``task.pruned`` and an action to
    ``task.prune_actions``; in check mode, what would be removed once the pending builds moved
    their tags.
    """
    client = task.client
    wanted = set(task.bases.tree_references)
    produced = set()
    moving = set()  # check mode: tags a pending build would move to a new image
    for result in task.results:
        wanted.update(result.recipe.references)
        if task.check_mode and result.build_reason:
            moving.update(result.recipe.references)
        elif result.image_id:
            produced.add(result.image_id)
    protected = client.container_image_ids()
    protected.update(base.image_id for base in task.bases.resolved.values() if base.image_id)
    images = client.list_images(all_layers=True)
    for image in images:
        image['RepoTags'] = [tag for tag in image.get('RepoTags') or [] if tag not in moving]
    for removal in plan_prune(images, wanted, produced, protected):
        _apply(task, removal)
        # Kept as it goes: a failure later still reports what was removed (partial_results).
        task.pruned.append(removal.as_dict())


def _apply(task, removal):
    what = ', '.join(removal.untag) or 'untagged image'
    task.changed = True
    if task.check_mode:
        task.prune_actions.append('Would remove superseded %s (%s)' % (what, removal.image_id))
        return
    for reference in removal.untag:
        task.client.remove_image(reference)
    if removal.delete and not removal.untag:
        task.client.remove_image(removal.image_id)
    task.prune_actions.append('Removed superseded %s (%s%s)' % (
        what, removal.image_id, ', %d bytes' % removal.size if removal.delete and removal.size else ''))
