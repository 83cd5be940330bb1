# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner of casa_singularity_image: converts (``state=present``), pushes to a registry
(``state=pushed``) or publishes (``state=published``) one SIF, or each entry of ``images`` in
turn, for ``_module.run_module``."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._errors import CasaError, failure_of
from ansible_collections.casa.distro.plugins.module_utils._live_log import live_log_result
from ansible_collections.casa.distro.plugins.module_utils._module import docker_client, require_library
from ansible_collections.casa.distro.plugins.module_utils._sif.batch import batch_result, image_params


class SingularityImageRunner:
    """One task of casa_singularity_image: a Publisher, a SifPusher or a SingularityConverter
    for each of its images."""

    def __init__(self, module):
        self.module = module
        self.batch = module.params.get('images') is not None
        self.images = image_params(module.params)
        self.results = []
        self.worker = None
        self._client = None

    # Each state imports only its own worker: a module start pays for every import (Ansible runs
    # modules from a zip, compiling their sources each time), and a release asks this module
    # many quick questions (is this SIF up to date, is it published) that need one worker each.
    # pylint: disable=import-outside-toplevel
    def _make_worker(self, params):
        check_mode = self.module.check_mode
        if params['state'] == 'published':
            from ansible_collections.casa.distro.plugins.module_utils._sif.publisher import Publisher
            return Publisher(params, check_mode)
        if params['state'] == 'pushed':
            from ansible_collections.casa.distro.plugins.module_utils._sif.oras import SifPusher
            return SifPusher(params, check_mode)
        from ansible_collections.casa.distro.plugins.module_utils import _docker
        from ansible_collections.casa.distro.plugins.module_utils._sif import deffile
        from ansible_collections.casa.distro.plugins.module_utils._sif.converter import SingularityConverter
        require_library(self.module, _docker.HAS_DOCKER, 'docker', _docker.DOCKER_IMPORT_ERROR)
        if params.get('dockerfile'):
            require_library(self.module, deffile.HAS_SPYTHON, 'spython', deffile.SPYTHON_IMPORT_ERROR)
        if self._client is None:
            self._client = docker_client(self.module)
        return SingularityConverter(params, self._client, check_mode)

    def _run_one(self, params):
        self.worker = self._make_worker(params)
        try:
            result = self.worker.run()
        finally:
            self.worker.finish_log()
        result.update(live_log_result(self.module, self.worker.log))
        return result

    def run(self):
        for where, params in self.images:
            try:
                self.results.append(self._run_one(params))
            except Exception as exc:  # pylint: disable=broad-exception-caught  # re-raised, naming the entry
                if where is None:
                    raise
                # The entry that failed, named in the one message the task fails with.
                msg, details = failure_of(exc)
                label = params.get('dest') or params.get('name') or (params.get('metadata') or {}).get('name')
                raise CasaError('%s%s: %s' % (where, ' (%s)' % label if label else '', msg), **details) from exc
            self.worker = None
        return batch_result(self.results) if self.batch else self.results[0]

    def partial_results(self):
        current = self.worker.partial_results() if self.worker is not None else {}
        if not self.batch:
            return current
        return batch_result(self.results + ([current] if current else []))
