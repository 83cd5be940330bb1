# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Publishing image sources into a subuser repository: clone the destination, write the
sources and .subuser.json, check that the tree reads back as a valid repository, then commit
and push one commit when something changed (nothing in check mode)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile

from ansible_collections.casa.distro.plugins.module_utils._files import write_if_changed
from ansible_collections.casa.distro.plugins.module_utils._git.client import GitError, GitRepo, git_environment
from ansible_collections.casa.distro.plugins.module_utils._subuser.config import check_config, load_json
from ansible_collections.casa.distro.plugins.module_utils._subuser.constraints import validate_constraints
from ansible_collections.casa.distro.plugins.module_utils._subuser.errors import SubuserError, UnsafePathError
from ansible_collections.casa.distro.plugins.module_utils._subuser.layout import PERMISSIONS_JSON, SUBUSER_JSON, check_relative_path
from ansible_collections.casa.distro.plugins.module_utils._subuser.publish_files import publish_files
from ansible_collections.casa.distro.plugins.module_utils._subuser.repository import open_local

# subuser 0.6.2 reads origin/master of git repositories
FALLBACK_BRANCH = 'master'
DOCKERFILE_WARNING = (
    '%s holds a Dockerfile: subuser 0.6.2 reading the repository through git checks file existence '
    'by base name only, and then looks for a Dockerfile in every image source; name image files '
    'SubuserImagefile')


def _generate(sources):
    """{name: {relative path: bytes}} of every source, and the permission warnings."""
    if not sources:
        raise SubuserError('publish: sources is empty: nothing to publish')
    generated = {}
    warnings = []
    for index, spec in enumerate(sources):
        name, files, report = publish_files(spec, 'publish sources[%d]' % index)
        if name in generated:
            raise SubuserError('publish: image source "%s" is listed twice' % name)
        generated[name] = files
        warnings.extend(report.warnings)
    return generated, warnings


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _clone(dest, workdir, author_name, author_email):
    try:
        return GitRepo.clone(dest, os.path.join(workdir, 'repo'), env=git_environment(author_name, author_email),
                             checkout=False, where='publish dest')
    except GitError as exc:
        raise SubuserError('Cannot clone %s to publish into it: %s' % (dest, exc.reason or exc.msg), dest=dest)


def _checkout(repo, branch):
    """Check out ``branch`` (default: the remote's default branch, else master); its commit
    before publishing, None for a new branch."""
    remote_branches = repo.remote_branches()
    if not branch:
        branch = (repo.ls_remote(['HEAD'])['head'] if remote_branches else None) or FALLBACK_BRANCH
    if branch in remote_branches:
        repo.checkout_branch(branch, 'refs/remotes/origin/' + branch)
        return branch, repo.resolve_branch(branch)
    repo.checkout_branch(branch)
    return branch, None


def _read_published_config(config_path, config_where, warnings):
    if not os.path.exists(config_path):
        return {}
    with open(config_path, 'rb') as handle:
        config = load_json(handle.read(), config_where)
    warnings.extend(check_config(config, config_where))
    return config


def _refuse_symlinks(root, paths, where):
    """Publishing writes real files and directories of the clone only: a symlink on the way
    (committed in the destination) could lead out of the clone or into its .git."""
    for path in paths:
        current = root
        for part in os.path.relpath(path, root).split(os.sep):
            current = os.path.join(current, part)
            if os.path.islink(current):
                raise UnsafePathError('%s: %s is a symlink (to %s) in the repository; refusing to write '
                                      'through it' % (where, os.path.relpath(current, root), os.readlink(current)))


def _update_config(root, config_where, isd, version_constraints, generated, warnings):
    """Write .subuser.json with image-sources-dir and the constraints, when they change."""
    config_path = os.path.join(root, SUBUSER_JSON)
    config = _read_published_config(config_path, config_where, warnings)
    new_config = dict(config)
    if isd:
        new_config['image-sources-dir'] = isd
    elif 'image-sources-dir' in new_config and check_relative_path(new_config['image-sources-dir'], config_where) != '':
        new_config.pop('image-sources-dir')
    if version_constraints is not None:
        new_config['subuser-version-constraints'] = version_constraints
    explicit = new_config.get('explicit-image-sources') or {}
    warnings.extend('%s: explicit image source "%s" overrides the published one' % (config_where, name)
                    for name in generated if name in explicit)
    if new_config != config or (new_config and not os.path.exists(config_path)):
        write_if_changed(config_path, (json.dumps(new_config, indent=2, ensure_ascii=False) + '\n').encode('utf-8'))


def _write_sources(base, generated):
    """Each source's files; files of its directory that are not among them are removed."""
    for name, files in generated.items():
        folder = os.path.join(base, name)
        wanted = {os.path.join(folder, *rel.split('/')): data for rel, data in files.items()}
        for directory, _dirs, names in os.walk(folder):
            for path in (os.path.join(directory, item) for item in names):
                if path not in wanted:
                    os.unlink(path)
        for path, data in wanted.items():
            write_if_changed(path, data)


def _prune(base, generated):
    """Remove the other image sources of the directory; their names."""
    removed = []
    if os.path.isdir(base):
        for item in sorted(os.listdir(base)):
            if item not in generated and os.path.isfile(os.path.join(base, item, PERMISSIONS_JSON)):
                _remove(os.path.join(base, item))
                removed.append(item)
    return removed


def _dockerfile_warnings(root):
    for directory, dirnames, names in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != '.git']
        if 'Dockerfile' in names:
            return [DOCKERFILE_WARNING % os.path.relpath(os.path.join(directory, 'Dockerfile'), root)]
    return []


def _verify(root, generated):
    """The published tree must read back as a valid repository."""
    check = open_local(root)
    problems = [e for n in generated for e in (check.sources[n].errors if n in check.sources
                                               else ['%s was not discovered' % n])]
    if problems:
        raise SubuserError('The published tree would be invalid: %s' % '; '.join(problems))


def _push(repo, dest, branch):
    try:
        repo.push('HEAD:refs/heads/%s' % branch)
    except GitError as exc:
        if exc.details.get('rejected'):
            raise SubuserError('Push to %s (branch %s) was refused: %s' % (dest, branch, exc.reason), dest=dest)
        raise SubuserError('Cannot push to %s (branch %s): %s' % (dest, branch, exc.reason or exc.msg), dest=dest)


def _publish_in(repo, dest, generated, warnings, options):
    """Write, check, and commit and push in the clone ``repo``; the publish result."""
    root = repo.path
    isd = options['isd']
    branch, before = _checkout(repo, options['branch'])
    base = os.path.join(root, *isd.split('/')) if isd else root
    _refuse_symlinks(root, [os.path.join(root, SUBUSER_JSON), base] + [
        os.path.join(base, name, *rel.split('/')) for name, files in generated.items() for rel in files],
        '%s@%s' % (dest, branch))
    _update_config(root, '%s@%s:%s' % (dest, branch, SUBUSER_JSON), isd, options['version_constraints'],
                   generated, warnings)
    _write_sources(base, generated)
    removed = _prune(base, generated) if options['prune'] else []
    warnings.extend(_dockerfile_warnings(root))
    changed_files = repo.stage_all()
    _verify(root, generated)
    result = {'dest': dest, 'branch': branch, 'commit_before': before, 'commit': before,
              'changed_files': changed_files, 'removed_sources': removed,
              'sources': sorted(generated), 'pushed': False, 'warnings': warnings}
    if not changed_files or options['check_mode']:
        return result
    result['commit'] = repo.commit_staged(options['message'])
    _push(repo, dest, branch)
    result['pushed'] = True
    return result


def publish(dest, sources, branch=None, image_sources_dir='', version_constraints=None,
            prune=False, message='Publish subuser image sources', author_name='casa.distro',
            author_email='casa.distro@localhost', check_mode=False, init_bare=None):
    """Write image sources into the git repository ``dest`` and push one commit when needed;
    first create the empty bare repository ``init_bare`` (a local path) when it has none."""
    generated, warnings = _generate(sources)
    isd = check_relative_path(image_sources_dir or '.', 'publish image_sources_dir')
    if version_constraints is not None:
        validate_constraints(version_constraints, 'publish version_constraints')
    options = dict(isd=isd, branch=branch, version_constraints=version_constraints, prune=prune,
                   message=message, check_mode=check_mode)
    created = None
    if init_bare and not os.path.isabs(init_bare):
        raise SubuserError('publish init_bare: expected an absolute path, got %r' % init_bare, field='init_bare')
    workdir = tempfile.mkdtemp(prefix='casa-subuser-publish-')
    try:
        source = dest
        if init_bare and not os.path.exists(os.path.join(init_bare, 'HEAD')):
            created = init_bare
            if check_mode:
                # Nothing is created: the first publication is what publishing into an empty
                # repository made in the work directory would commit.
                source = os.path.join(workdir, 'empty.git')
                init_bare = source
            GitRepo.init_bare(init_bare, branch or FALLBACK_BRANCH, where='publish init_bare')
        with _clone(source, workdir, author_name, author_email) as repo:
            result = _publish_in(repo, dest, generated, warnings, options)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result['created_bare'] = created
    return result
