#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: subuser_repo
short_description: Read, validate, build and publish subuser repositories
version_added: 0.1.0
description:
  - Works on L(subuser,https://subuser.org) repositories, the git repositories subuser installs
    image sources from, with one O(operation) per task.
  - O(operation=inspect) reads a repository (a directory O(path), or a git repository O(url)
    read from its git objects at a pinned commit, never checked out), validates every image
    source (C(.subuser.json), C(permissions.json), image directory and image file,
    C(FROM-SUBUSER-IMAGE) across repositories) and returns the sources, their permission level,
    the dependency graph and the build order. Problems of one source are reported against it
    (file, line and column for bad JSON) while the others are still reported.
  - O(operation=build) builds the images of the selected sources (O(sources)) and of their
    ancestors, parents first, through the Docker daemon. C(FROM-SUBUSER-IMAGE) becomes C(FROM)
    the parent's image ID. A source is rebuilt when, and only when, its build context, its image
    file or its parent image changed; the hash of those inputs is kept in an image label, and
    RV(images[].build_reason) says why a build happened.
  - O(operation=publish) writes image sources (O(publish.sources)) into a subuser repository
    (O(publish.dest), a git URL), each as C(permissions.json) plus an C(image/) directory whose
    image file starts C(FROM) a registry image (or C(FROM-SUBUSER-IMAGE) another source), updates
    C(.subuser.json) when needed, then commits and pushes with git. Nothing changed means no
    commit.
  - The quirks of subuser 0.6.2 are fixed rather than copied. The default branch is asked from the
    remote instead of assuming C(master); C(subuser-version-constraints) compare versions
    numerically (a development build such as C(0.6.2-dev-<hash>) counts as at least its release);
    discovery checks real paths; cycles of C(FROM-SUBUSER-IMAGE) are detected and named; builds
    use the layer cache unless O(nocache=true).
  - Every file read is checked against its declared shape first (C(.subuser.json),
    C(permissions.json), the image file as UTF-8); a bad one fails with a message naming the file,
    key and value.
  - A repository path out of the repository or into C(.git) (C(image-sources-dir), the paths of
    C(explicit-image-sources), a symlink such as a C(permissions.json) linking outside, the
    O(publish) options and files) fails the task, in every O(operation); nothing is read from
    there, nothing built and nothing committed.
author:
  - casa.distro developers (@casa-distro)
extends_documentation_fragment:
  - casa.distro.docker
  - casa.distro.docker.registry
  - casa.distro.live_log
  - casa.distro.attributes
attributes:
  check_mode:
    support: full
    details:
      - O(operation=inspect) changes nothing in any mode.
      - O(operation=build) says which images would be built and why, and builds nothing.
      - O(operation=publish) clones the destination, computes the files that would change and
        neither commits nor pushes.
      - Git repositories are still fetched into O(cache_dir), a local cache.
  diff_mode:
    support: partial
    details:
      - O(operation=build) gives the image ID of every source before and after.
      - O(operation=publish) gives the commit before and after and the changed files, not their
        content.
  idempotent:
    support: full
    details:
      - A second build with unchanged inputs builds nothing; a second publish of the same sources
        makes no commit.
options:
  operation:
    description:
      - V(inspect) reads and validates the repository and reports it.
      - V(build) also builds the images of the selected sources, failing when one of them (or an
        ancestor) is invalid.
      - V(publish) writes O(publish.sources) into the repository O(publish.dest); O(path) and
        O(url) are not used.
    type: str
    choices: [inspect, build, publish]
    default: inspect
  path:
    description:
      - A repository in a local directory, read as it is on disk (uncommitted edits count).
      - Version constraints do not apply to it, as in subuser.
      - Mutually exclusive with O(url).
    type: path
  url:
    description:
      - A git repository (any URL git accepts, for example C(https://), C(file://), C(ssh://)).
      - It is mirrored under O(cache_dir) and read from git objects at the pinned commit.
    type: str
  version:
    description:
      - Branch, tag or commit (full or abbreviated) of O(url) to read.
      - Without it, C(.subuser.json) is read on the remote's default branch, its
        C(subuser-version-constraints) (evaluated against O(subuser_version)) pick the ref, and
        C(.subuser.json) is read again there. With it, the constraints are not evaluated.
    type: str
  subuser_version:
    description:
      - The subuser version C(subuser-version-constraints) are evaluated against, compared
        numerically (V(0.10) is newer than V(0.6)). The first matching entry wins; no match is an
        error.
      - An empty string ignores the constraints.
    type: str
    default: 0.6.2
  name:
    description:
      - Short name of the repository, used in image names built from it. Defaults to the last
        component of O(url) or O(path).
    type: str
  repositories:
    description:
      - Where the repositories that C(FROM-SUBUSER-IMAGE) names are really read from, for example
        a mirror, a local copy or an offline clone.
      - Maps V(default) or a repository URL (as written after C(@)) to a git URL, or to an
        absolute directory path.
      - V(default) is U(https://github.com/subuser-security/subuser-default-repository.git) unless
        mapped.
      - A name that leads to the repository being read (for example V(default) when inspecting the
        default repository itself) gives that same repository; each source is reported, and
        built, once.
    type: dict
    default: {}
  update:
    description:
      - Fetch git repositories already in O(cache_dir) before reading them. With V(false), the
        cached state is read (a missing repository is still cloned).
    type: bool
    default: true
  cache_dir:
    description:
      - Directory of the bare git mirrors of the repositories read.
    type: path
    default: ~/.cache/casa_distro/subuser-repositories
  sources:
    description:
      - Names of the image sources of the repository to inspect or build; their ancestors are
        built too. All of them by default.
    type: list
    elements: str
    default: []
  image_prefix:
    description:
      - Images are named C(<image_prefix><repository name>/<source name>:<tag>), lowercased.
    type: str
    default: casa-subuser/
  tag:
    description:
      - Tag of built images.
    type: str
    default: latest
  nocache:
    description:
      - Build without the layer cache. This does not force a build; combine with O(force).
    type: bool
    default: false
  force:
    description:
      - Build even when the inputs are unchanged.
    type: bool
    default: false
  network:
    description:
      - Network mode of C(RUN) steps, for example V(host).
    type: str
  publish:
    description:
      - What O(operation=publish) writes.
    type: dict
    suboptions:
      dest:
        description:
          - The git repository to publish into (cloned to a temporary directory, then pushed).
        type: str
        required: true
      branch:
        description:
          - Branch to commit to. Defaults to the remote's default branch, or V(master) for an empty
            repository (subuser 0.6.2 reads the C(master) branch of git repositories).
        type: str
      image_sources_dir:
        description:
          - Directory of the repository holding the image sources; written to C(.subuser.json) as
            C(image-sources-dir) when it is not the root.
          - A path out of the repository or into C(.git), or one going through a symlink committed
            in the repository, is refused before anything is committed.
        type: str
        default: ''
      version_constraints:
        description:
          - C(subuser-version-constraints) to write into C(.subuser.json), a list of
            C([operator, version, ref]) lists. Left as they are when unset.
        type: list
        elements: raw
      sources:
        description:
          - The image sources to write. Each is the directory C(<name>/) with C(permissions.json)
            and C(image/SubuserImagefile), starting C(FROM) O(publish.sources[].image) or
            C(FROM-SUBUSER-IMAGE) O(publish.sources[].parent). Files in it that are not listed
            here are removed.
          - The image file is always named C(SubuserImagefile), never C(Dockerfile). subuser 0.6.2
            checks file existence in git repositories by base name only, so one C(Dockerfile)
            anywhere would make it look for a C(Dockerfile) in every image source.
        type: list
        elements: dict
        required: true
        suboptions:
          name:
            description: Image source name (no C(@), C(/), C(:) or C(!); not C(.), C(..) or C(.git)).
            type: str
            required: true
          image:
            description:
              - Registry image the image file starts C(FROM), for example
                V(registry.example.org/casa/casa-run:5.3).
              - Mutually exclusive with O(publish.sources[].parent).
            type: str
          parent:
            description:
              - C(FROM-SUBUSER-IMAGE) identifier of a parent image source (V(name),
                V(name@default) or V(name@https://...)). The image file is then a
                C(SubuserImagefile).
            type: str
          permissions:
            description:
              - Content of C(permissions.json), validated against the subuser schema.
            type: dict
            required: true
          instructions:
            description: Dockerfile lines appended after the C(FROM) line.
            type: list
            elements: str
            default: []
          files:
            description: Extra files of the C(image/) build context, relative path to text.
            type: dict
            default: {}
      prune:
        description:
          - Remove the other image sources (directories with C(permissions.json)) of
            O(publish.image_sources_dir).
        type: bool
        default: false
      init_bare:
        description:
          - A local path where an empty bare repository is created first when there is none (no
            C(HEAD) in it), its C(HEAD) naming O(publish.branch) or V(master) - for a repository this
            host serves, O(publish.dest) then being its URL (for example V(file:///srv/subuser.git)).
          - In check mode nothing is created; the task reports the repository it would create and
            every file the first publication would commit.
        type: path
      commit_message:
        description: Commit message.
        type: str
        default: Publish subuser image sources
      author_name:
        description: Author and committer name of the commit.
        type: str
        default: casa.distro
      author_email:
        description: Author and committer e-mail of the commit.
        type: str
        default: casa.distro@localhost
notes:
  - Needs GitPython for git repositories and publishing, and the Docker SDK for Python for
    O(operation=build). The Docker connection options only matter for O(operation=build).
  - Image sources are the subuser kind; the images built here are not registered in any
    subuser installation.
seealso:
  - module: casa.distro.casa_docker_image
  - name: subuser repository format
    description: The C(.subuser.json) and image source directory format.
    link: https://subuser.org/subuser-standard/repositories.html
'''

EXAMPLES = r'''
- name: Validate a repository checked out on disk
  casa.distro.subuser_repo:
    path: /srv/subuser-repository
  register: repo

- name: Show the permission level of every image source
  ansible.builtin.debug:
    msg: "{{ repo.sources | items2dict(key_name='name', value_name='permission_level') }}"

- name: Read a git repository at its constrained branch for subuser 0.6.2
  casa.distro.subuser_repo:
    url: https://github.com/subuser-security/subuser-default-repository.git
    subuser_version: 0.6.2

- name: Build two image sources and their ancestors, parents first
  casa.distro.subuser_repo:
    operation: build
    url: https://git.example.org/casa/subuser-images.git
    version: v5.3
    sources: [casa-run, anatomist]
    repositories:
      default: https://git.example.org/mirrors/subuser-default-repository.git

- name: Publish the released images as a subuser repository
  casa.distro.subuser_repo:
    operation: publish
    publish:
      dest: git@git.example.org:casa/subuser-repository.git
      sources:
        - name: casa-run
          image: registry.example.org/casa/casa-run:5.3
          permissions:
            description: CASA run-time image
            maintainer: casa.distro
            executable: /usr/local/bin/entrypoint
            allow-network-access: true
            user-dirs: [casa]

- name: Publish into a repository this host serves, created empty on the first run
  casa.distro.subuser_repo:
    operation: publish
    publish:
      dest: file:///srv/git/casa-subuser.git
      init_bare: /srv/git/casa-subuser.git
      sources:
        - name: casa-run
          image: registry.example.org/casa/casa-run:5.3
          permissions:
            description: CASA run-time image
            executable: /usr/local/bin/entrypoint
'''

RETURN = r'''
repository:
  description: The repository read (O(operation=inspect) and O(operation=build)).
  returned: when O(operation) is inspect or build
  type: dict
  contains:
    name:
      description: Short name of the repository.
      type: str
    display:
      description: How the repository is shown in identifiers (its URL or directory).
      type: str
    kind:
      description: V(git) or V(local).
      type: str
    default_branch:
      description: Default branch of the remote (git only).
      type: str
      sample: main
    ref:
      description: The ref that was read (C(refs/heads/...), C(refs/tags/...) or a commit).
      type: str
    commit:
      description: The commit that was read (git only).
      type: str
    version_constraint:
      description: The matching C(subuser-version-constraints) entry, its index, and the ref it was read at.
      type: dict
    image_sources_dir:
      description: The directory the image sources were discovered in.
      type: str
    config:
      description: Content of C(.subuser.json) at the ref read.
      type: dict
    warnings:
      description: Repository-level warnings.
      type: list
      elements: str
sources:
  description: The selected image sources of the repository.
  returned: when O(operation) is inspect or build
  type: list
  elements: dict
  contains:
    name:
      description: Image source name.
      type: str
    identifier:
      description: C(name@repository).
      type: str
    explicit:
      description: Whether it comes from C(explicit-image-sources).
      type: bool
    permissions_file:
      description: Path of its C(permissions.json) in the repository.
      type: str
    build_context:
      description: Path of its build context in the repository.
      type: str
    image_file:
      description: Path of its image file.
      type: str
    image_file_type:
      description: V(Dockerfile) or V(SubuserImagefile).
      type: str
    deprecated_image_dir:
      description: Whether the build context is the deprecated C(docker-image/) directory.
      type: bool
    from_subuser_image:
      description: The C(FROM-SUBUSER-IMAGE) argument as written.
      type: str
    parent:
      description: The resolved parent identifier.
      type: str
    lineage:
      description: Ancestors, base first (null when they cannot be resolved).
      type: list
      elements: str
    permission_level:
      description: V(conservative), V(moderate), V(liberal) or V(anarchistic), from the most powerful permission granted.
      type: str
    permissions:
      description: The permissions granted (keys whose value is not the default).
      type: dict
    executable:
      description:
        - The C(executable) of C(permissions.json), a path or a list of paths inside the image;
          V(null) for a library (a source meant to be a C(FROM-SUBUSER-IMAGE) base, not run).
      type: raw
    invalid_docker_from:
      description:
        - C(FROM name@repository) lines of the image file, which Docker refuses (after C(@) it
          expects a digest), that is a C(FROM-SUBUSER-IMAGE) written as C(FROM). Each is also a warning
          naming the file and line.
      type: list
      elements: dict
      contains:
        line:
          description: Line number, from 1.
          type: int
        reference:
          description: The reference written after C(FROM).
          type: str
    valid:
      description: Whether the source and all its ancestors are valid.
      type: bool
    blocked_by:
      description: Invalid ancestors.
      type: list
      elements: str
    errors:
      description: What is wrong with it, naming the file (and line and column for JSON).
      type: list
      elements: str
    warnings:
      description: Unknown keys, deprecated directories and the like.
      type: list
      elements: str
dependencies:
  description: Ancestors of the selected sources that belong to other repositories, described like RV(sources).
  returned: when O(operation) is inspect or build
  type: list
  elements: dict
build_order:
  description: Identifiers of the buildable selected sources and their ancestors, parents first.
  returned: when O(operation) is inspect or build
  type: list
  elements: str
invalid:
  description: Identifiers of the sources that cannot be built.
  returned: when O(operation) is inspect or build
  type: list
  elements: str
repositories:
  description: The other repositories read to resolve C(FROM-SUBUSER-IMAGE).
  returned: when O(operation) is inspect or build
  type: list
  elements: dict
images:
  description: One entry per image built or checked, parents first.
  returned: when O(operation=build)
  type: list
  elements: dict
  contains:
    identifier:
      description: Identifier of the image source.
      type: str
    image:
      description: The image name and tag.
      type: str
      sample: casa-subuser/images/casa-run:latest
    image_id:
      description: Image ID after the task (in check mode, the current one when it would not be rebuilt).
      type: str
    image_id_before:
      description: Image ID of the tag before the task.
      type: str
    parent_image_id:
      description: Image ID of the parent the image was built C(FROM).
      type: str
    commit:
      description: Commit of the repository the source was read at.
      type: str
    context_hash:
      description: Hash of the build context files (same for a directory and its git commit).
      type: str
    build_hash:
      description: Hash of the build context, the rendered image file and the parent image ID.
      type: str
    built:
      description: Whether the image was built by this task.
      type: bool
    build_reason:
      description: Why it was (or would be) built; null when it was up to date.
      type: str
      sample: build context changed (sha256:1f0e2a3b4c -> sha256:77aa01b2c3)
    status:
      description: V(built), V(would be built) (check mode), or why it was not built.
      type: str
      sample: "up to date: the image label io.casa-distro.subuser.build-hash matches the inputs"
    labels:
      description: Labels recording source, repository, commit and hashes.
      type: dict
published:
  description: What O(operation=publish) did.
  returned: when O(operation=publish)
  type: dict
  contains:
    dest:
      description: The repository published into.
      type: str
    branch:
      description: The branch committed to.
      type: str
    commit_before:
      description: Head of the branch before (null for a new branch).
      type: str
    commit:
      description: Head of the branch after.
      type: str
    changed_files:
      description: Files added, changed or removed.
      type: list
      elements: str
    removed_sources:
      description: Image sources removed by O(publish.prune).
      type: list
      elements: str
    pushed:
      description: Whether a commit was pushed.
      type: bool
    created_bare:
      description: The bare repository O(publish.init_bare) this task created (would create, in check mode), else null.
      type: str
actions:
  description: Everything done (or that would be done), in words.
  returned: always
  type: list
  elements: str
failed_step:
  description: The build step that failed.
  returned: when a build failed
  type: str
build_log_tail:
  description: The last lines of the failed build's output.
  returned: when a build failed
  type: list
  elements: str
log_path:
  description: The live log the build output went to (O(log_path)).
  returned: when O(operation=build) and O(log_path) is set, outside check mode
  type: str
  sample: /var/log/casa-distro/subuser-localhost.log
log_lines:
  description: The build output of this run, the last 2000 lines at most.
  returned: when O(operation=build), with C(-v)
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.casa.distro.plugins.module_utils._module import docker_argument_spec, run_module
from ansible_collections.casa.distro.plugins.module_utils._subuser.runner import SubuserRunner


def main():
    argument_spec = docker_argument_spec(
        operation=dict(type='str', choices=['inspect', 'build', 'publish'], default='inspect'),
        path=dict(type='path'),
        url=dict(type='str'),
        version=dict(type='str'),
        subuser_version=dict(type='str', default='0.6.2'),
        name=dict(type='str'),
        repositories=dict(type='dict', default={}),
        update=dict(type='bool', default=True),
        cache_dir=dict(type='path', default='~/.cache/casa_distro/subuser-repositories'),
        sources=dict(type='list', elements='str', default=[]),
        image_prefix=dict(type='str', default='casa-subuser/'),
        tag=dict(type='str', default='latest'),
        nocache=dict(type='bool', default=False),
        log_path=dict(type='path'),
        force=dict(type='bool', default=False),
        network=dict(type='str'),
        publish=dict(type='dict', options=dict(
            dest=dict(type='str', required=True),
            branch=dict(type='str'),
            image_sources_dir=dict(type='str', default=''),
            version_constraints=dict(type='list', elements='raw'),
            sources=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True),
                image=dict(type='str'),
                parent=dict(type='str'),
                permissions=dict(type='dict', required=True),
                instructions=dict(type='list', elements='str', default=[]),
                files=dict(type='dict', default={}),
            ), mutually_exclusive=[('image', 'parent')], required_one_of=[('image', 'parent')]),
            prune=dict(type='bool', default=False),
            init_bare=dict(type='path'),
            commit_message=dict(type='str', default='Publish subuser image sources'),
            author_name=dict(type='str', default='casa.distro'),
            author_email=dict(type='str', default='casa.distro@localhost'),
        )),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('path', 'url'), ('path', 'version')],
        required_if=[('operation', 'inspect', ('path', 'url'), True),
                     ('operation', 'build', ('path', 'url'), True),
                     ('operation', 'publish', ('publish',))],
    )
    run_module(module, SubuserRunner)


if __name__ == '__main__':
    main()
