# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What casa_docker_image does: build an image family in order, bootstrap base systems, pull,
push and remove, deciding "changed" from image IDs and registry digests before and after.

The runner of the module (see _module.run_module): it selects the images, hands each to the
step of its source (build, bootstrap, pull or local), then pushes, and reports everything in one
result dictionary, also on failure (``partial_results``).
"""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._build_context import FileDigestCache
from ansible_collections.casa.distro.plugins.module_utils._docker import DockerError
from ansible_collections.casa.distro.plugins.module_utils._docker_image.bases import BaseImages
from ansible_collections.casa.distro.plugins.module_utils._docker_image.bootstrap import bootstrap_image
from ansible_collections.casa.distro.plugins.module_utils._docker_image.build import build_family
from ansible_collections.casa.distro.plugins.module_utils._docker_image.dockerfile import normalize_base, parse_from_lines
from ansible_collections.casa.distro.plugins.module_utils._docker_image.order import order_images
from ansible_collections.casa.distro.plugins.module_utils._docker_image.prune import check_prune_option, prune_superseded
from ansible_collections.casa.distro.plugins.module_utils._docker_image.registry import pull_image, push_result
from ansible_collections.casa.distro.plugins.module_utils._docker_image.results import ImageResult, summary
from ansible_collections.casa.distro.plugins.module_utils._docker_image.selection import pull_policy, select
from ansible_collections.casa.distro.plugins.module_utils._docker_image.templates import read_dockerfile
from ansible_collections.casa.distro.plugins.module_utils._live_log import LiveLog
from ansible_collections.casa.distro.plugins.module_utils._module import registry_auth


class DockerImageManager:
    """Carries out one casa_docker_image task.

    ``params`` are the module parameters; ``client`` a connected _docker.DockerClient; ``warn``
    shows a warning to the user (AnsibleModule.warn). The steps
    (build, bootstrap, registry) read the options, the client and check mode from it, and add
    their ImageResult through ``new_result``.
    """

    def __init__(self, params, client, check_mode=False, warn=None, verbosity=0):
        self.params = params
        self.verbosity = verbosity
        self.warn = warn
        self.client = client
        self.check_mode = check_mode
        self.results = []
        self.changed = False
        self.unselected_dirs = set()
        self.warnings = []
        self.bases = BaseImages(self, pull_policy(params.get('pull')),
                                pending_bases=[normalize_base(ref) for ref in params.get('pending_bases') or ()],
                                digests=params.get('base_digests'))
        self.digest_cache = FileDigestCache(params.get('context_hash_cache'))
        self.pruned = None  # prune=superseded: the images removed (a list)
        self.prune_actions = []
        # Builds, bootstraps, pulls and pushes write their progress there as it comes; a dry
        # run does none of them, so it writes no live log.
        recipes = params.get('recipes') or []
        recipes = [recipes] if isinstance(recipes, str) else recipes
        self.log = LiveLog(None if check_mode else params.get('log_path'),
                           title='casa_docker_image %s' % (params.get('name') or ', '.join(recipes)))

    # ------------------------------------------------------------------ entry point
    def run(self):
        try:
            return self._run()
        finally:
            self.log.close()

    def _run(self):
        prune = check_prune_option(self.params)
        selection = select(self.params)
        images, self.unselected_dirs = selection.images, selection.unselected_dirs
        self.warnings = selection.warnings
        for warning in self.warnings:
            if self.warn is not None:
                self.warn(warning)
        self.bases.tree_references = selection.tree_references
        state = self.params.get('state') or 'present'
        source = self.params.get('source') or 'build'
        if state == 'absent' or source != 'build':
            # Declared dependencies order these modes (build also follows FROM lines); children
            # are removed before their parents.
            bases = {image.reference: parse_from_lines(read_dockerfile(image), self.params.get('build_args'))
                     for image in images if image.recipe_dir}
            images = order_images(images, bases, self.unselected_dirs)
        if state == 'absent':
            for image in reversed(images):
                self.remove(image)
        else:
            self.make_present(source, images)
            if self.params.get('push'):
                for result in self.results:
                    push_result(self, result)
            if prune == 'superseded':
                self.pruned = []
                prune_superseded(self)
        self.digest_cache.save()
        return self.summary()

    def make_present(self, source, images):
        if source == 'build':
            build_family(self, images)
            return
        step = {'bootstrap': bootstrap_image, 'pull': pull_image}.get(source, DockerImageManager.require_local)
        for image in images:
            step(self, image)

    def summary(self):
        result = summary(self.results, self.changed)
        result['bases'] = [base.as_dict() for base in self.bases.resolved.values()]
        if self.warnings:
            result['ignored_dependencies'] = list(self.warnings)
        if self.pruned is not None:
            result['pruned'] = list(self.pruned)
            result['actions'].extend(self.prune_actions)
        if self.log.path:
            result['log_path'] = self.log.path
        if self.verbosity >= 1:
            result['log_lines'] = self.log.lines()
        return result

    def partial_results(self):
        """What was done before a failure: the failure result carries it, so nothing is lost."""
        return self.summary()

    # ------------------------------------------------------------------ shared by the steps
    def new_result(self, image):
        """A new ImageResult for ``image``, with the image ID of each of its tags now."""
        result = ImageResult(image)
        self.results.append(result)
        result.ids_before = {ref: self.client.image_id(ref) for ref in image.references}
        return result

    def auth(self):
        return registry_auth(self.params)

    def ensure_tags(self, result):
        """Point every tag of the image at its image ID."""
        for tag in result.recipe.tags:
            reference = '%s:%s' % (result.recipe.name, tag)
            if self.client.image_id(reference) != result.image_id:
                if self.check_mode:
                    result.actions.append('Would tag %s as %s' % (result.image_id, reference))
                    continue
                self.client.tag(result.image_id, result.recipe.name, tag)
                result.actions.append('Tagged %s as %s' % (result.image_id, reference))

    # ------------------------------------------------------------------ local / absent
    def require_local(self, image):
        result = self.new_result(image)
        missing = [ref for ref, image_id in result.ids_before.items() if image_id is None]
        if missing:
            raise DockerError('source=local: %s not in the Docker daemon at %s'
                              % (', '.join(missing), self.client.docker_host))
        result.image_id = result.ids_before[image.reference]
        result.info = self.client.inspect_image(result.image_id)

    def remove(self, image):
        result = self.new_result(image)
        for reference, image_id in result.ids_before.items():
            if image_id is None:
                continue
            self.changed = True
            if self.check_mode:
                result.actions.append('Would remove %s' % reference)
            elif self.client.remove_image(reference):
                result.actions.append('Removed %s (%s)' % (reference, image_id))
