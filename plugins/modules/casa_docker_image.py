#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: casa_docker_image
short_description: Build, bootstrap, pull, push and remove the Docker images of a distribution
version_added: 0.1.0
description:
  - The Docker side of C(casa_distro_admin) as one idempotent module.
  - O(source=build) replaces C(create_docker). It builds one recipe directory (O(path)), or a whole
    family of images from a casa-distro v2 recipe tree (O(recipes)) in dependency order, filtered by
    O(image_names).
  - An image is rebuilt when, and only when, one of its inputs changed. The recipe hash covers the
    build context (honouring C(.dockerignore)), the Dockerfile, rendered templates, build args,
    labels, target and the image IDs of its parents. It is stored in the image label
    C(io.casa-distro.recipe-hash), and RV(images[].build_reason) says why a build happened.
  - O(source=bootstrap) replaces C(create_base_image type=system). It makes a base system image with
    debootstrap and imports it with labels, so that no public registry is needed.
  - O(source=pull) replaces C(update_docker). It is changed only when an image ID changed.
  - O(push=true) replaces C(publish_docker). It pushes every tag, is not changed when the registry
    already holds the same manifest, and returns the pushed digest per tag.
  - O(state=absent) removes the tags of the selected images.
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
      - Says what would be built, bootstrapped, tagged, pulled, pushed or removed, and changes nothing.
      - Asks the registry for manifest digests (read only) to predict pulls and pushes.
  diff_mode:
    support: full
    details:
      - The image ID of every reference before and after.
  idempotent:
    support: full
    details:
      - A second run with unchanged inputs builds and pushes nothing and reports no change.
options:
  state:
    description:
      - V(present) makes the images exist (built, bootstrapped, pulled or already local, see O(source)).
      - V(absent) removes every tag of the selected images.
    type: str
    choices: [present, absent]
    default: present
  source:
    description:
      - Where a present image comes from.
      - V(build) builds from O(path) or O(recipes).
      - V(bootstrap) creates a base system with debootstrap (see O(bootstrap)) and imports it.
      - V(pull) refreshes the tags from their registry.
      - V(local) requires the tags to exist already (useful with O(push=true)).
    type: str
    choices: [build, bootstrap, pull, local]
    default: build
  name:
    description:
      - Repository name of a single image, for example V(127.0.0.1:5000/casa/run).
      - A tag written as C(name:tag) joins O(tags).
      - Mutually exclusive with O(recipes).
    type: str
  tags:
    description:
      - Tags of the single image O(name). Builds are tagged with the last one, then every other tag
        is set to the same image.
      - Defaults to V(latest) when O(name) has no tag.
    type: list
    elements: str
  path:
    description:
      - Recipe directory of a single image, holding O(dockerfile) and the build context.
      - C(*.template) files in it are rendered with O(template_parameters).
    type: path
  dockerfile:
    description:
      - Dockerfile name relative to O(path).
    type: str
    default: Dockerfile
  recipes:
    description:
      - Roots of casa-distro v2 recipe trees (one path or a list, like casa-distro 2.0's
        C(share/docker), C(~/.casa-distro/docker) and C(~/.config/casa-distro/docker)). Every
        directory under them holding a C(casa_distro_docker.yaml) file is a recipe. Its
        C(image_sources) list the images (C(name), C(tags), C(visibility),
        C(template_files_parameters)).
      - Each C(dependencies) entry is a path relative to the recipe directory naming a directory
        searched recursively; every recipe below it is a dependency. As in casa-distro 2.0, the
        path is also looked up at the same place in the other roots, so dependencies cross roots.
        A path leading to no recipe is a warning (see RV(ignored_dependencies)), not a failure.
      - Images are built parents first, otherwise in the order of their recipe file paths
        (casa-distro v2's rule). A C(FROM) line naming another image of the trees is a dependency
        as well. A cycle fails with the images named.
      - See C(docs/recipes.md) for the migration notes from casa-distro v2.
    type: list
    elements: path
  image_names:
    description:
      - fnmatch patterns selecting images of O(recipes) by name or C(name:tag), like casa-distro's
        C(image_names).
    type: list
    elements: str
    default: ['*']
  name_prefix:
    description:
      - Prefix added to every image name of O(recipes), for example a registry and namespace such
        as V(127.0.0.1:5000/cati/).
    type: str
    default: ''
  template_parameters:
    description:
      - Parameters for C(%(name\)s) placeholders in image names, tags and C(*.template) files.
        C(%%) is a literal C(%).
      - Built-in parameters, which these override, are C(casa_version) (the collection's version,
        as casa-distro gave its own) and C(name_prefix) (O(name_prefix)).
      - The C(template_files_parameters) of an image source override these.
    type: dict
    default: {}
  build_args:
    description:
      - Build arguments (C(--build-arg)); they are part of the recipe hash.
    type: dict
    default: {}
  labels:
    description:
      - Labels set on built images; they are part of the recipe hash.
    type: dict
    default: {}
  target:
    description:
      - Build stage to stop at, in a multi-stage Dockerfile.
    type: str
  network:
    description:
      - Network mode of C(RUN) steps, for example V(host). Host networking works around DNS trouble
        on hosts whose C(/etc/resolv.conf) points at a local resolver, as casa-distro did.
    type: str
  pull:
    description:
      - When to pull the base images named by C(FROM) lines that no recipe of the trees builds
        (the root images' bases, which casa-distro v2 pulled before building), before hashing
        and building the images that use them, so that a newer base triggers a rebuild.
      - V(never) uses the base in the daemon and fails when it is absent; V(missing) pulls it
        only when it is absent; V(always) pulls it before every build.
      - Bases that belong to the recipe trees are never pulled.
      - The former booleans still work; V(true) means V(always), V(false) means V(never).
      - In check mode the registry is asked (read only) and a pull is predicted, not done.
    type: raw
    default: never
  base_digests:
    description:
      - Base images to use at a given manifest digest, as a mapping from the reference a C(FROM) line
        names (C(name:tag)) to its digest (C(sha256:...)), typically a parent that another build host
        built and pushed, with the digest that host reported in RV(images[].pushed).
      - Such a base is pulled as C(name@digest) unless the daemon already holds that manifest, and tagged
        as the reference, whatever O(pull) says and even when a recipe of the trees builds it (left out of
        O(image_names) on this host). RV(bases) reports it.
    type: dict
    default: {}
  nocache:
    description:
      - Build without the layer cache. This does not force a build; combine with O(force).
    type: bool
    default: false
  force:
    description:
      - Build or bootstrap even when the inputs are unchanged.
    type: bool
    default: false
  bootstrap:
    description:
      - The base system made by O(source=bootstrap), named O(name) with O(tags).
      - Idempotent on these inputs, which are recorded in image labels.
    type: dict
    suboptions:
      suite:
        description: Distribution suite, for example V(bookworm).
        type: str
        required: true
      mirror:
        description: Package mirror.
        type: str
        default: http://deb.debian.org/debian
      variant:
        description: debootstrap variant.
        type: str
        default: minbase
      packages:
        description: Extra packages installed into the base system.
        type: list
        elements: str
        default: []
      components:
        description: Archive components.
        type: list
        elements: str
        default: [main]
      arch:
        description: Architecture; the host's by default.
        type: str
      work_dir:
        description:
          - Directory for the temporary root filesystem (about 200 MB); the system temporary
            directory by default. It must allow device files and executables.
        type: path
  push:
    description:
      - Push every tag of the selected images to its registry (the registry is the host part of
        the name) after making them present.
    type: bool
    default: false
  pending_bases:
    description:
      - Check mode only, ignored otherwise. Base images (C(name:tag)) that an earlier task of
        the same run would bootstrap or build, as that task predicted. A base listed here makes
        its children V(would build) (parent would be rebuilt), also when it is not in the daemon
        yet, instead of failing, so that a dry run of a whole release on a fresh host completes.
    type: list
    elements: str
    default: []
  prune:
    description:
      - V(superseded) removes, after a successful build of the family, the local images of its
        repositories (the names its recipes produce, O(name_prefix) included) that no recipe
        produces any more. A tag no recipe defines is removed, and with it the image when it has no
        other name; an untagged image that this module built for one of these repositories (an ID a
        rebuild replaced) is removed.
      - Never removed are images of other repositories (even with a similar name), the image IDs
        the family has now, its base images, images a container uses (running or stopped) and
        images another kept image is built on. A repository no recipe has any more is no longer
        part of the family and is left alone; remove it with O(state=absent) before dropping its
        recipe.
      - RV(pruned) lists what was removed; in check mode, what would be removed once the pending
        builds moved their tags.
      - V(none) removes nothing. Needs O(source=build) and O(state=present).
      - Published SIF builds have their own retention (C(keep_builds) of
        M(casa.distro.casa_singularity_image)); see C(docs/hosts.md).
    type: str
    choices: [none, superseded]
    default: none
  context_hash_cache:
    description:
      - File caching the content digests of build context files, keyed by size, modification
        time and inode, so that a no-op run on a large context does not read it all again.
      - Set to an empty string to disable the cache.
    type: path
    default: ~/.cache/casa_distro/context-digests.json
notes:
  - The module runs on the host whose Docker daemon builds the images. It needs the Docker SDK for
    Python there, and debootstrap plus root for O(source=bootstrap).
  - Builds use the daemon's classic builder through the API; the build log's last lines and the
    failing step are returned when a build fails.
seealso:
  - module: casa.distro.casa_singularity_image
'''

EXAMPLES = r'''
- name: Bootstrap a Debian base system without any public registry
  casa.distro.casa_docker_image:
    source: bootstrap
    name: 127.0.0.1:5000/casa/debian
    tags: [bookworm]
    bootstrap:
      suite: bookworm
      packages: [ca-certificates]

- name: Build the image family in dependency order (create_docker)
  casa.distro.casa_docker_image:
    recipes: "{{ playbook_dir }}/../examples/images"
    name_prefix: 127.0.0.1:5000/casa/
    image_names: ['*']
    template_parameters:
      base_image: 127.0.0.1:5000/casa/debian:bookworm
    network: host
  register: family

- name: Say why each image was built
  ansible.builtin.debug:
    msg: "{{ family.images | map(attribute='build_reason') | list }}"

- name: Build two v2 recipe roots, pulling the root images' bases when they are missing
  casa.distro.casa_docker_image:
    recipes:
      - /srv/casa-distro/share/docker
      - /home/builder/.config/casa-distro/docker
    name_prefix: 127.0.0.1:5000/cati/
    image_names: ['*/casa-dev:*']
    pull: missing

- name: Push them, with retries on transient registry errors (publish_docker)
  casa.distro.casa_docker_image:
    recipes: "{{ playbook_dir }}/../examples/images"
    name_prefix: 127.0.0.1:5000/casa/
    template_parameters:
      base_image: 127.0.0.1:5000/casa/debian:bookworm
    source: local
    push: true
    registry_username: "{{ registry_user }}"
    registry_password: "{{ registry_password }}"

- name: Nightly rebuild that removes the family's images no recipe produces any more
  casa.distro.casa_docker_image:
    recipes: /srv/casa-distro/share/docker
    name_prefix: 127.0.0.1:5000/cati/
    prune: superseded
  register: nightly

- name: Say what was removed
  ansible.builtin.debug:
    msg: "{{ nightly.pruned | map(attribute='names') | flatten }}"

- name: Refresh an image from its registry (update_docker)
  casa.distro.casa_docker_image:
    source: pull
    name: 127.0.0.1:5000/casa/casa-run
    tags: ["5.3"]

- name: Build one recipe directory with build args
  casa.distro.casa_docker_image:
    path: /srv/recipes/tool
    name: 127.0.0.1:5000/casa/tool
    tags: ["1.0", latest]
    build_args:
      VERSION: "1.0"
'''

RETURN = r'''
images:
  description: One entry per selected image, in the order they were handled (parents first).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Repository name.
      type: str
      sample: 127.0.0.1:5000/casa/casa-run
    tags:
      description: Tags of the image.
      type: list
      elements: str
      sample: ["5.3", latest]
    image_id:
      description: Image ID after the task; in check mode, the current one (null when it would be created).
      type: str
      sample: sha256:4c1f5e3d0c5a8b...
    image_ids_before:
      description: Image ID of every C(name:tag) before the task (null when absent).
      type: dict
    repo_digests:
      description: Registry digests the daemon knows for the image (C(name@sha256:...)).
      type: list
      elements: str
    size:
      description: Image size in bytes.
      type: int
    labels:
      description: Image labels, including the recipe hash.
      type: dict
    recipe_hash:
      description: Hash of the build inputs (or of the bootstrap inputs).
      type: str
      sample: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    built:
      description: Whether the image was built or bootstrapped by this task.
      type: bool
    build_reason:
      description: Why the image was (or would be) built; null when it was up to date.
      type: str
      sample: recipe inputs changed (hash sha256:1f0e2a3b4c -> sha256:77aa01b2c3)
    build_started:
      description: When this task started building the image (ISO 8601, UTC); null when it was not built.
      type: str
      sample: "2026-11-22T08:01:02.345+00:00"
    build_ended:
      description: When the build of the image ended (ISO 8601, UTC); null when it was not built.
      type: str
      sample: "2026-11-22T08:01:40.012+00:00"
    pushed:
      description: Manifest digest in the registry per pushed tag (also for tags already there).
      type: dict
      sample: {"5.3": "sha256:2b1c0a..."}
    pulled:
      description: Manifest digest per pulled tag.
      type: dict
    actions:
      description: What was done to this image, in words.
      type: list
      elements: str
pruned:
  description:
    - With O(prune=superseded), the local images removed (or that would be, in check mode),
      children before their parents.
  returned: when O(prune=superseded)
  type: list
  elements: dict
  contains:
    image_id:
      description: The image ID.
      type: str
    names:
      description: The superseded tags removed (V(<none>) for an untagged image).
      type: list
      elements: str
    deleted:
      description: Whether the image itself was deleted, not only some of its tags.
      type: bool
    size:
      description:
        - Size of a deleted image in bytes, as the daemon reports it (0 when only tags were removed).
        - Layers it shares with images that stay are not freed, so this is an upper bound of the disk freed.
      type: int
bases:
  description: The base images outside the selection that the builds used, each once.
  returned: source=build
  type: list
  elements: dict
  contains:
    reference:
      description: The reference a C(FROM) line names.
      type: str
    image_id:
      description: The image ID used (null in check mode when it would be pulled).
      type: str
    digest:
      description: The manifest digest it was pinned to by O(base_digests); null otherwise.
      type: str
    pulled:
      description: Whether this task pulled it.
      type: bool
    action:
      description: What was done (or would be done) to get it; null when it was in the daemon already.
      type: str
ignored_dependencies:
  description: Dependency paths of the recipe files that lead to no recipe, ignored as casa-distro v2 did (also shown as warnings).
  returned: when there is one
  type: list
  elements: str
actions:
  description: Everything done, in words, in order.
  returned: always
  type: list
  elements: str
  sample: ["Built 127.0.0.1:5000/casa/casa-run:5.3 as sha256:4c1f... (image not in the daemon)"]
failed_step:
  description: The build step that failed (C(Step N/M ...)).
  returned: when a build failed
  type: str
  sample: "Step 3/5 : RUN make install"
build_log_tail:
  description: The last lines of the failed build's output.
  returned: when a build failed
  type: list
  elements: str
log_path:
  description: The live log the builds, bootstraps, pulls and pushes of this task wrote to (O(log_path)).
  returned: when O(log_path) is set, outside check mode
  type: str
  sample: /var/log/casa-distro/images-build1.log
log_lines:
  description: The progress lines of this task (build output, debootstrap output, layer status of pulls
    and pushes), the last 2000 at most.
  returned: with C(-v)
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.casa.distro.plugins.module_utils import _docker
from ansible_collections.casa.distro.plugins.module_utils._docker_image.manager import DockerImageManager
from ansible_collections.casa.distro.plugins.module_utils._module import docker_argument_spec, docker_client, require_library, run_module


def main():
    argument_spec = docker_argument_spec(
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        source=dict(type='str', choices=['build', 'bootstrap', 'pull', 'local'], default='build'),
        name=dict(type='str'),
        tags=dict(type='list', elements='str'),
        path=dict(type='path'),
        dockerfile=dict(type='str', default='Dockerfile'),
        recipes=dict(type='list', elements='path'),
        image_names=dict(type='list', elements='str', default=['*']),
        name_prefix=dict(type='str', default=''),
        template_parameters=dict(type='dict', default={}),
        build_args=dict(type='dict', default={}),
        labels=dict(type='dict', default={}),
        target=dict(type='str'),
        network=dict(type='str'),
        pull=dict(type='raw', default='never'),
        base_digests=dict(type='dict', default={}),
        nocache=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
        bootstrap=dict(type='dict', options=dict(
            suite=dict(type='str', required=True),
            mirror=dict(type='str', default='http://deb.debian.org/debian'),
            variant=dict(type='str', default='minbase'),
            packages=dict(type='list', elements='str', default=[]),
            components=dict(type='list', elements='str', default=['main']),
            arch=dict(type='str'),
            work_dir=dict(type='path'),
        )),
        push=dict(type='bool', default=False),
        pending_bases=dict(type='list', elements='str', default=[]),
        prune=dict(type='str', choices=['none', 'superseded'], default='none'),
        context_hash_cache=dict(type='path', default='~/.cache/casa_distro/context-digests.json'),
        log_path=dict(type='path'),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('name', 'recipes'), ('path', 'recipes')],
        required_one_of=[('name', 'recipes')],
        required_if=[('source', 'bootstrap', ('bootstrap', 'name'))],
    )
    require_library(module, _docker.HAS_DOCKER, 'docker', _docker.DOCKER_IMPORT_ERROR)
    run_module(module, lambda module: DockerImageManager(module.params, docker_client(module), module.check_mode,
                                                         module.warn, module._verbosity))


if __name__ == '__main__':
    main()
