# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner of casa_singularity_image: converts (``state=present``), pushes to a registry
(``state=pushed``) or publishes (``state=published``), for ``_module.run_module``."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._live_log import live_log_result
from ansible_collections.casa.distro.plugins.module_utils._module import docker_client, require_library


class SingularityImageRunner:
    """One task of casa_singularity_image: a Publisher or a SingularityConverter."""

    # Each state imports only its own worker: a module start pays for every import (Ansible runs
    # modules from a zip, compiling their sources each time), and a release asks this module
    # many quick questions (is this SIF up to date, is it published) that need one worker each.
    # pylint: disable=import-outside-toplevel
    def __init__(self, module):
        self.module = module
        params = module.params
        if params['state'] == 'published':
            from ansible_collections.casa.distro.plugins.module_utils._sif.publisher import Publisher
            self.worker = Publisher(params, module.check_mode)
        elif params['state'] == 'pushed':
            from ansible_collections.casa.distro.plugins.module_utils._sif.oras import SifPusher
            self.worker = SifPusher(params, module.check_mode)
        else:
            from ansible_collections.casa.distro.plugins.module_utils import _docker
            from ansible_collections.casa.distro.plugins.module_utils._sif import deffile
            from ansible_collections.casa.distro.plugins.module_utils._sif.converter import SingularityConverter
            require_library(module, _docker.HAS_DOCKER, 'docker', _docker.DOCKER_IMPORT_ERROR)
            if params.get('dockerfile'):
                require_library(module, deffile.HAS_SPYTHON, 'spython', deffile.SPYTHON_IMPORT_ERROR)
            self.worker = SingularityConverter(params, docker_client(module), module.check_mode)

    def run(self):
        try:
            result = self.worker.run()
        finally:
            self.worker.finish_log()
        result.update(live_log_result(self.module, self.worker.log))
        return result

    def partial_results(self):
        return self.worker.partial_results()
