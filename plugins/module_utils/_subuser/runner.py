# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the subuser_repo module does with its options: inspect, build or publish, as a runner
for ``_module.run_module`` (``run()`` gives the result; ``partial_results()`` the repository
report and the images built before a failure)."""

from __future__ import annotations

from ansible_collections.casa.distro.plugins.module_utils._git import client as git_client
from ansible_collections.casa.distro.plugins.module_utils._image_reference import validate_reference
from ansible_collections.casa.distro.plugins.module_utils._live_log import LiveLog, live_log_result
from ansible_collections.casa.distro.plugins.module_utils._module import docker_client, require_library
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError
from ansible_collections.casa.distro.plugins.module_utils._subuser.graph import RepositorySet, lineages
from ansible_collections.casa.distro.plugins.module_utils._subuser.publish import publish
from ansible_collections.casa.distro.plugins.module_utils._subuser.report import inspect, select
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_git, open_local


def read_repository(params):
    """The repository of ``path`` or ``url``, in a RepositorySet for its FROM-SUBUSER-IMAGE."""
    repositories = RepositorySet(
        cache_dir=params['cache_dir'], subuser_version=params['subuser_version'] or None,
        update=params['update'], mappings=params['repositories'])
    if params['path']:
        repository = open_local(params['path'], name=params['name'])
    else:
        repository = open_git(
            params['url'], params['cache_dir'], version=params['version'],
            subuser_version=params['subuser_version'] or None, update=params['update'],
            name=params['name'])
    repositories.add(repository)
    return repositories, repository


class SubuserRunner:
    """One task of the subuser_repo module."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.report = None
        self.builder = None
        if self.params['url'] or self.params['operation'] == 'publish':
            require_library(module, git_client.HAS_GITPYTHON, 'GitPython', git_client.GITPYTHON_IMPORT_ERROR)

    def run(self):
        if self.params['operation'] == 'publish':
            return self._publish()
        repositories, repository = read_repository(self.params)
        try:
            self.report = inspect(repositories, repository, self.params['sources'] or None)
            for warning in self.report.pop('warnings'):
                self.module.warn(warning)
            result = dict(changed=False, actions=[], **self.report)
            if self.params['operation'] == 'build':
                result.update(self._build(repositories, repository))
            return result
        finally:
            repositories.close()

    def partial_results(self):
        """The repository report and the images built (or checked) before a failure."""
        partial = dict(self.report or {})
        if self.builder is not None:
            partial['images'] = [r.as_dict() for r in self.builder.results]
        return partial

    def _build(self, repositories, repository):
        # Imported here: only a build talks to Docker, and every module start pays for the SDK.
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.casa.distro.plugins.module_utils import _docker
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.casa.distro.plugins.module_utils._subuser.build import SubuserBuilder

        require_library(self.module, _docker.HAS_DOCKER, 'docker', _docker.DOCKER_IMPORT_ERROR)
        selected = select(repository, self.params['sources'])
        order, lineage = lineages(repositories, selected)
        placed = {o.key for o in order}
        broken = [s for s in selected if s.key not in placed]
        if broken:
            raise SubuserError('Cannot build %s: %s' % (
                ', '.join(s.identifier for s in broken),
                '; '.join(s.lineage_error or 'invalid' for s in broken)))
        params = self.params
        # A dry run builds nothing, so it writes no live log either.
        log_path = None if self.module.check_mode else params['log_path']
        with LiveLog(log_path, title='subuser_repo build %s' % repository.display) as log:
            self.builder = SubuserBuilder(
                docker_client(self.module), check_mode=self.module.check_mode, prefix=params['image_prefix'],
                tag=params['tag'], nocache=params['nocache'], force=params['force'],
                network=params['network'], validate_reference=validate_reference, log=log)
            self.builder.build(order, lineage)
        images = [r.as_dict() for r in self.builder.results]
        return dict(images=images, changed=self.builder.changed, **live_log_result(self.module, log),
                    actions=[a for r in self.builder.results for a in r.actions],
                    diff=dict(before={r['image']: r['image_id_before'] for r in images},
                              after={r['image']: r['image_id'] for r in images}))

    def _publish(self):
        spec = self.params['publish']
        check_mode = self.module.check_mode
        published = publish(
            spec['dest'], spec['sources'], branch=spec['branch'],
            image_sources_dir=spec['image_sources_dir'],
            version_constraints=spec['version_constraints'], prune=spec['prune'],
            message=spec['commit_message'], author_name=spec['author_name'],
            author_email=spec['author_email'], check_mode=check_mode, init_bare=spec['init_bare'])
        for warning in published.pop('warnings'):
            self.module.warn(warning)
        changed = bool(published['changed_files'] or published['created_bare'])
        actions = []
        if published['created_bare']:
            actions.append('%s the bare repository %s' % ('Would create' if check_mode else 'Created',
                                                          published['created_bare']))
        if published['changed_files']:
            verb = 'Would commit' if check_mode else 'Committed and pushed'
            actions.append('%s %s to %s (%s)' % (verb, ', '.join(published['changed_files']),
                                                 published['branch'], published['commit'] or 'new branch'))
        return dict(changed=changed, published=published, actions=actions,
                    diff=dict(before={'commit': published['commit_before']},
                              after={'commit': published['commit'], 'files': published['changed_files']}))
