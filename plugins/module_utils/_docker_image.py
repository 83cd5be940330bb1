# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What casa_docker_image does: build an image family in order, bootstrap base systems, pull,
push and remove, deciding "changed" from image IDs and registry digests before and after.

The runner of the module: it uses the Docker client (_docker), the recipe logic (_recipes)
and the debootstrap client (_bootstrap), and reports everything in one result dictionary.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from ansible_collections.casa.distro.plugins.module_utils import _bootstrap as bootstrap_mod
from ansible_collections.casa.distro.plugins.module_utils import _recipes as recipes
from ansible_collections.casa.distro.plugins.module_utils._docker import DockerError, split_reference

COLLECTION_VERSION = '0.1.0'


class ImageResult:
    """What happened to one image; becomes one entry of the module's ``images`` result."""

    def __init__(self, recipe):
        self.recipe = recipe
        self.ids_before = {}
        self.image_id = None
        self.recipe_hash = None
        self.build_reason = None
        self.built = False
        self.pushed = {}
        self.pulled = {}
        self.actions = []
        self.info = None

    def as_dict(self):
        info = self.info or {}
        config = info.get('Config') or {}
        return {
            'name': self.recipe.name,
            'tags': list(self.recipe.tags),
            'image_id': self.image_id,
            'image_ids_before': dict(self.ids_before),
            'repo_digests': list(info.get('RepoDigests') or []),
            'size': info.get('Size'),
            'labels': dict(config.get('Labels') or {}),
            'recipe_hash': self.recipe_hash,
            'built': self.built,
            'build_reason': self.build_reason,
            'pushed': dict(self.pushed),
            'pulled': dict(self.pulled),
            'actions': list(self.actions),
        }


class DockerImageManager:
    """Carries out one casa_docker_image task.

    ``params`` are the module parameters; ``client`` a connected _docker.DockerClient.
    """

    def __init__(self, params, client, check_mode=False):
        self.params = params
        self.client = client
        self.check_mode = check_mode
        self.results = []
        self.changed = False
        self.unselected_dirs = set()
        cache_path = params.get('context_hash_cache')
        self.digest_cache = recipes.FileDigestCache(cache_path)

    # ------------------------------------------------------------------ selection
    def images(self):
        params = self.params
        # Built-in parameters, as casa-distro provided casa_version; the user's override them.
        template_parameters = {'casa_version': COLLECTION_VERSION,
                               'name_prefix': params.get('name_prefix') or ''}
        template_parameters.update(params.get('template_parameters') or {})
        if params.get('recipes'):
            found = recipes.load_recipe_tree(params['recipes'], template_parameters,
                                             params.get('name_prefix') or '')
            selected = recipes.select_images(found, params.get('image_names'))
            self.unselected_dirs = {image.recipe_dir for image in found} - {image.recipe_dir for image in selected}
            if not selected:
                raise recipes.RecipeError(
                    'No image under %s matches image_names %s; images there: %s'
                    % (params['recipes'], params.get('image_names'),
                       ', '.join(i.reference for i in found)))
            return selected
        name = params['name']
        tags = list(params.get('tags') or [])
        if ':' in name.rsplit('/', 1)[-1]:
            # name:tag is accepted like docker does; the tag joins the tags list.
            name, tag = split_reference(name)
            tags = [tag] + [t for t in tags if t != tag]
        tags = tags or ['latest']
        recipes.validate_reference(name, tags, 'name')
        recipe_dir = os.path.abspath(params['path']) if params.get('path') else None
        return [recipes.ImageRecipe(name, tags, recipe_dir, dockerfile=params.get('dockerfile') or 'Dockerfile',
                                    template_parameters=template_parameters)]

    # ------------------------------------------------------------------ entry point
    def run(self):
        images = self.images()
        state = self.params.get('state') or 'present'
        source = self.params.get('source') or 'build'
        if state == 'absent' or source != 'build':
            # Declared dependencies order these modes (build also follows FROM lines); children
            # are removed before their parents.
            bases = {image.reference: recipes.parse_from_lines(recipes.read_dockerfile(image),
                                                               self.params.get('build_args'))
                     for image in images if image.recipe_dir}
            images = recipes.order_images(images, bases, self.unselected_dirs)
        if state == 'absent':
            for image in reversed(images):
                self.remove(image)
        else:
            if source == 'build':
                self.build_family(images)
            elif source == 'bootstrap':
                for image in images:
                    self.bootstrap(image)
            elif source == 'pull':
                for image in images:
                    self.pull(image)
            else:
                for image in images:
                    self.require_local(image)
            if self.params.get('push'):
                for result in self.results:
                    self.push(result)
        self.digest_cache.save()
        return self.summary()

    def summary(self):
        images = [result.as_dict() for result in self.results]
        before = {}
        after = {}
        for result in self.results:
            for reference, image_id in result.ids_before.items():
                before[reference] = image_id
            for reference in result.recipe.references:
                after[reference] = result.image_id
        return {
            'changed': self.changed,
            'images': images,
            'actions': [action for result in self.results for action in result.actions],
            'diff': {'before': before, 'after': after},
        }

    # ------------------------------------------------------------------ build
    def build_family(self, images):
        prepared = {}
        bases = {}
        for image in images:
            if not image.recipe_dir:
                raise recipes.RecipeError('source=build needs path (a recipe directory) or recipes')
            entries = recipes.context_entries(image)
            text = recipes.dockerfile_text(entries, image.dockerfile)
            bases[image.reference] = recipes.parse_from_lines(text, self.params.get('build_args'))
            prepared[image.reference] = entries
        produced = {}  # reference -> image ID (None in check mode when it would be rebuilt)
        for image in recipes.order_images(images, bases, self.unselected_dirs):
            result = ImageResult(image)
            self.results.append(result)
            result.ids_before = {ref: self.client.image_id(ref) for ref in image.references}
            parent_ids, parent_pending = self._parent_ids(image, bases[image.reference], produced)
            entries = prepared[image.reference]
            labels = dict(self.params.get('labels') or {})
            result.recipe_hash = recipes.recipe_hash(
                entries, self.params.get('build_args'), labels, self.params.get('target'),
                parent_ids, self.digest_cache)
            existing = self.client.inspect_image(image.reference)
            result.build_reason = self._build_reason(existing, result.recipe_hash, parent_pending)
            if result.build_reason and self.check_mode:
                result.actions.append('Would build %s (%s)' % (image.reference, result.build_reason))
                self.changed = True
                produced.update({ref: None for ref in image.references})
                result.image_id = existing['Id'] if existing else None
                result.info = existing
                continue
            if result.build_reason:
                labels[recipes.HASH_LABEL] = result.recipe_hash
                labels[recipes.NAME_LABEL] = image.name
                image_id = self._build(image, entries, labels)
                result.built = True
                result.actions.append('Built %s as %s (%s)' % (image.reference, image_id, result.build_reason))
            else:
                image_id = existing['Id']
            result.image_id = image_id
            self._ensure_tags(result)
            produced.update({ref: image_id for ref in image.references})
            result.info = self.client.inspect_image(image_id)
            if any(result.ids_before.get(ref) != image_id for ref in image.references):
                self.changed = True

    def _parent_ids(self, image, bases, produced):
        """Image IDs of the bases; ``pending`` lists bases that would be rebuilt (check mode)."""
        ids = []
        pending = []
        for base in bases:
            reference = recipes.normalize_base(base)
            if reference in produced:
                if produced[reference] is None:
                    pending.append(reference)
                ids.append(produced[reference] or 'pending:' + reference)
                continue
            if self.params.get('pull') and not self.check_mode:
                repository, tag = split_reference(reference)
                self.client.pull(repository, tag, auth=self._auth())
            base_id = self.client.image_id(reference)
            if base_id is None:
                raise DockerError(
                    'Base image %s of %s is not in the Docker daemon at %s: build or bootstrap it '
                    'first (include it in image_names), or set pull=true to fetch it from its '
                    'registry' % (reference, image.reference, self.client.docker_host))
            ids.append(base_id)
        return ids, pending

    def _build_reason(self, existing, digest, parent_pending):
        if self.params.get('force'):
            return 'force=true'
        if parent_pending:
            return 'parent %s would be rebuilt' % ', '.join(parent_pending)
        if existing is None:
            return 'image not in the daemon'
        labels = (existing.get('Config') or {}).get('Labels') or {}
        previous = labels.get(recipes.HASH_LABEL)
        if previous is None:
            return 'existing image has no %s label (not built by casa.distro)' % recipes.HASH_LABEL
        if previous != digest:
            return 'recipe inputs changed (hash %s -> %s)' % (previous[:19], digest[:19])
        return None

    def _build(self, image, entries, labels):
        staging = None
        context = image.recipe_dir
        try:
            if recipes.needs_staging(entries):
                staging = tempfile.mkdtemp(prefix='casa-context-')
                recipes.stage_context(entries, staging)
                context = staging
            image_id, _log = self.client.build(
                context, tag=image.reference, dockerfile=image.dockerfile,
                buildargs=self.params.get('build_args'), labels=labels,
                target=self.params.get('target'), network_mode=self.params.get('network'),
                pull=False, nocache=self.params.get('nocache'),
                context_paths=[entry.relpath for entry in entries])
            return image_id
        finally:
            if staging:
                shutil.rmtree(staging, ignore_errors=True)

    def _ensure_tags(self, result):
        for tag in result.recipe.tags:
            reference = '%s:%s' % (result.recipe.name, tag)
            if self.client.image_id(reference) != result.image_id:
                if self.check_mode:
                    result.actions.append('Would tag %s as %s' % (result.image_id, reference))
                    continue
                self.client.tag(result.image_id, result.recipe.name, tag)
                result.actions.append('Tagged %s as %s' % (result.image_id, reference))

    # ------------------------------------------------------------------ bootstrap
    def bootstrap(self, image):
        spec = self.params.get('bootstrap') or {}
        if not spec.get('suite'):
            raise recipes.RecipeError('source=bootstrap needs bootstrap.suite (e.g. bookworm)')
        result = ImageResult(image)
        self.results.append(result)
        result.ids_before = {ref: self.client.image_id(ref) for ref in image.references}
        digest = bootstrap_mod.spec_hash(spec)
        result.recipe_hash = digest
        existing = self.client.inspect_image(image.reference)
        labels = ((existing or {}).get('Config') or {}).get('Labels') or {}
        if self.params.get('force'):
            result.build_reason = 'force=true'
        elif existing is None:
            result.build_reason = 'image not in the daemon'
        elif labels.get(bootstrap_mod.BOOTSTRAP_HASH_LABEL) != digest:
            result.build_reason = 'bootstrap inputs changed'
        if result.build_reason and self.check_mode:
            result.actions.append('Would bootstrap %s %s (%s)' % (image.reference, spec['suite'], result.build_reason))
            result.image_id = existing['Id'] if existing else None
            result.info = existing
            self.changed = True
            return
        if result.build_reason:
            result.image_id = self._debootstrap(image, spec, digest)
            result.built = True
            result.actions.append('Bootstrapped %s from %s %s as %s (%s)' % (
                image.reference, spec['suite'], bootstrap_mod.normalize_spec(spec)['mirror'],
                result.image_id, result.build_reason))
        else:
            result.image_id = existing['Id']
        self._ensure_tags(result)
        result.info = self.client.inspect_image(result.image_id)
        if any(result.ids_before.get(ref) != result.image_id for ref in image.references):
            self.changed = True

    def _debootstrap(self, image, spec, digest):
        runner = bootstrap_mod.Debootstrap(work_dir=spec.get('work_dir'))
        scratch, rootfs = runner.build_rootfs(spec)
        try:
            changes, _labels = bootstrap_mod.import_changes(spec, digest)
            tar = runner.tar_stream(rootfs)
            try:
                image_id = self.client.import_rootfs(tar.stdout, image.name, image.tags[-1], changes)
            finally:
                tar.stdout.close()
                error = tar.stderr.read().decode('utf-8', 'replace')
                if tar.wait() != 0:
                    raise DockerError('tar of the bootstrapped root filesystem failed: %s' % error)
            return image_id
        finally:
            runner.cleanup(scratch)

    # ------------------------------------------------------------------ pull / local
    def pull(self, image):
        result = ImageResult(image)
        self.results.append(result)
        result.ids_before = {ref: self.client.image_id(ref) for ref in image.references}
        for tag in image.tags:
            reference = '%s:%s' % (image.name, tag)
            before = result.ids_before[reference]
            if self.check_mode:
                remote = self.client.registry_digest(image.name, tag, auth=self._auth())
                local = (self.client.inspect_image(reference) or {}).get('RepoDigests') or []
                if remote is None:
                    raise DockerError('%s is not in its registry' % reference)
                if '%s@%s' % (image.name, remote) not in local:
                    result.actions.append('Would pull %s (%s)' % (reference, remote))
                    self.changed = True
                result.pulled[tag] = remote
                continue
            after = self.client.pull(image.name, tag, auth=self._auth())
            digests = (self.client.inspect_image(after) or {}).get('RepoDigests') or []
            result.pulled[tag] = next((d.split('@', 1)[1] for d in digests
                                       if d.split('@', 1)[0] == image.name), None)
            if after != before:
                self.changed = True
                result.actions.append('Pulled %s: %s -> %s' % (reference, before, after))
            result.image_id = after
        if result.image_id is None:
            result.image_id = result.ids_before.get(image.reference)
        result.info = self.client.inspect_image(result.image_id) if result.image_id else None

    def require_local(self, image):
        result = ImageResult(image)
        self.results.append(result)
        result.ids_before = {ref: self.client.image_id(ref) for ref in image.references}
        missing = [ref for ref, image_id in result.ids_before.items() if image_id is None]
        if missing:
            raise DockerError('source=local: %s not in the Docker daemon at %s'
                              % (', '.join(missing), self.client.docker_host))
        result.image_id = result.ids_before[image.reference]
        result.info = self.client.inspect_image(result.image_id)

    # ------------------------------------------------------------------ push
    def _auth(self):
        username = self.params.get('registry_username')
        if not username:
            return None
        return {'username': username, 'password': self.params.get('registry_password') or ''}

    def push(self, result):
        image = result.recipe
        for tag in image.tags:
            reference = '%s:%s' % (image.name, tag)
            local = self.client.inspect_image(reference)
            if local is None:
                if self.check_mode:
                    result.actions.append('Would push %s once built' % reference)
                    self.changed = True
                    continue
                raise DockerError('Cannot push %s: no such image in the daemon' % reference)
            remote_before = self.client.registry_digest(image.name, tag, auth=self._auth())
            local_digests = local.get('RepoDigests') or []
            if remote_before and '%s@%s' % (image.name, remote_before) in local_digests:
                result.pushed[tag] = remote_before
                continue
            if self.check_mode:
                result.actions.append('Would push %s' % reference)
                self.changed = True
                continue
            digest = self.client.push(image.name, tag, auth=self._auth())
            result.pushed[tag] = digest
            if digest != remote_before:
                self.changed = True
                result.actions.append('Pushed %s (%s)' % (reference, digest))
        result.info = self.client.inspect_image(result.image_id) if result.image_id else result.info

    # ------------------------------------------------------------------ absent
    def remove(self, image):
        result = ImageResult(image)
        self.results.append(result)
        result.ids_before = {ref: self.client.image_id(ref) for ref in image.references}
        for reference, image_id in result.ids_before.items():
            if image_id is None:
                continue
            self.changed = True
            if self.check_mode:
                result.actions.append('Would remove %s' % reference)
            elif self.client.remove_image(reference):
                result.actions.append('Removed %s (%s)' % (reference, image_id))
