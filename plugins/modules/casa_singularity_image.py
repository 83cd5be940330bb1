#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: casa_singularity_image
short_description: Convert Docker images to SIF files and publish them with build numbers
version_added: 0.1.0
description:
  - The Singularity/Apptainer side of C(casa_distro_admin) as one idempotent module.
  - O(state=present) replaces C(create_singularity). It converts a Docker image (in the daemon,
    pulled from its registry with O(pull=true), or loaded from a C(docker save) tarball given as
    O(archive)) into the SIF file O(dest), and writes the side file C(<dest>.json) with the
    casa-distro v3 metadata (name, type, system, image_version, creation_time, size, md5,
    image_id, origin ids, build_number) plus sha256 and the source image ID and digest.
  - The V(native) back end needs neither Apptainer nor Singularity. It saves the image
    (C(docker save)) and streams its filesystem, flattened from its layers (whiteouts and opaque
    directories applied), through C(sqfstar) on all cores. The SIF holds the image's files, not
    a container's (no emptied C(/etc/hostname), no C(/etc/mtab) or C(/.dockerenv)). It adds the
    C(/.singularity.d) tree Apptainer's own build writes (action and environment scripts, a
    runscript running ENTRYPOINT plus CMD, the image ENV, labels.json, the definition file) and
    assembles the SIF with the reference C(siftool). C(apptainer run), C(exec) and C(inspect)
    behave as with Apptainer's own build of the same image. This includes images without
    C(/bin/sh) (FROM scratch). Apptainer runs the runscript, written in the form of its own
    conversion, in its built-in shell.
  - Like Apptainer's own SIFs, the SIF starts with C(#!/usr/bin/env run-singularity) and has mode
    0755, so C(./image.sif) runs the container.
  - V(native) conversions are reproducible. The same image, converted with the same options,
    gives the same SIF byte for byte, whatever the host and the number of O(jobs). Every time
    stamp is the image's creation time, or C(SOURCE_DATE_EPOCH) when that variable is set in
    the module's environment. The SIF's ID and C(image_id) are derived from its content. The
    time stamp is recorded in the SIF labels and as C(source_date_epoch) in the side file.
  - The SIF is written in a temporary directory beside O(dest) and renamed into place, so an
    interrupted conversion never leaves a partial SIF at O(dest); leftovers of a killed run are
    removed by the next one. A file at O(dest) that is not a valid SIF is replaced.
  - The conversion is skipped when O(dest) was made from the same source image ID with the same
    O(compression) (recorded in the SIF labels and the side file); O(force=true) rebuilds.
  - O(state=published) replaces C(publish_singularity) and C(publish_base_image). It runs on the
    publish host and works on its download directory O(publish_dir). When no published build of
    the image has the checksum of O(metadata), it returns RV(upload_needed) and RV(upload_path);
    copy the SIF there (for example with M(ansible.builtin.copy)) and call the module again with
    O(src). It then allocates the next build number atomically (race-safe with O_EXCL
    reservations), renames the upload to C(<name>-<N>.sif), writes C(<name>-<N>.sif.json), and
    updates C(index.json), the C(index.html) listing and the C(<name>-latest.sif) symlinks.
  - The publication is crash-safe and race-safe. The build's JSON is written aside first. The
    image and then its JSON are renamed into place under a lock, after a last check that no
    concurrent publisher published the same checksum. A publication killed half-way is
    completed by the next one.
  - C(index.html) is a table listing in the Apache style that casa-distro's own clients parse
    (the text of each C(<a>) in a C(<td>), the first entry being the parent directory). It lists
    only complete builds, their JSON, the latest links, the v2 files and C(index.json). Web
    servers serve it as the directory index.
  - When O(metadata) has no C(image_id), one derived from C(sha256) is recorded. For a C(type=dev)
    image without C(origin_run), it is filled with the C(image_id) of the published C(type=run)
    build of the same C(image_version) that the dev image was built FROM. That build is found
    through the C(source_layers) recorded in the side files by O(state=present).
  - O(state=pushed) sends the SIF O(src) to a registry as O(dest) (C(oras://registry/repository:tag)) in the
    form C(apptainer push oras://) writes, so that C(apptainer pull oras://...) fetches it. The SIF goes in
    chunks (the module's memory does not grow with its size) and is not sent again when the registry holds it
    already; RV(reference) pins what was pushed by digest.
  - O(state=published) with O(source) downloads the SIF from its registry to the publish host (by digest,
    its sha256 checked while it streams) instead of waiting for an upload, and publishes it in the same task;
    the SIF goes from build host to publish host through the registry, never through the Ansible controller.
  - O(images) does O(state=present) or O(state=published) for several SIF images in one task, one
    after the other. Each entry gives the options of one image; the task's other options are shared.
    A release that checks every SIF of a family at each run pays Ansible's cost of a module call
    (about 0.3 s on a small host) once, not once per image.
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
      - O(state=present) says whether the image would be converted and why, and converts nothing
        (a source that would have to be pulled or loaded first is reported, not fetched).
      - O(state=published) says whether the image would be published and under which build number.
  diff_mode:
    support: full
    details:
      - O(state=present) shows the source image ID, size and sha256 of O(dest) before and after.
      - O(state=published) shows the latest published build of the name before and after.
  idempotent:
    support: full
    details:
      - A second run with the same source image converts nothing; republishing an image whose
        checksum is already published does nothing.
options:
  state:
    description:
      - V(present) converts a Docker image to the SIF O(dest).
      - V(published) publishes a SIF into O(publish_dir) on the host the module runs on.
      - V(pushed) pushes the SIF O(src) to the registry reference O(dest) (C(oras://...)).
    type: str
    choices: [present, published, pushed]
    default: present
  images:
    description:
      - Several SIF images in one task (O(state=present) or O(state=published)), handled in order.
        Each entry sets the options of one image; the task's other options apply to every entry.
      - Mutually exclusive with the per-image options of the task itself (O(image), O(archive),
        O(dest), O(dockerfile), O(metadata), O(name), O(src) and O(source)). O(pull), O(force) and
        O(pending) of the task are the defaults of the entries.
      - Each entry is checked as a task of one image would be (O(state=present) needs O(dest) and
        O(image) or O(archive)). Two entries may not write the same O(dest) or publish the same name.
      - The result has each image's result under RV(results), in order, as a loop's result has.
        A failing entry fails the task with a message naming it (C(images[N])); RV(results) keeps
        the results of the entries before it, then what the failing entry had done.
    type: list
    elements: dict
    suboptions:
      image:
        description: O(image) of this entry.
        type: str
      archive:
        description: O(archive) of this entry.
        type: path
      pull:
        description: O(pull) of this entry.
        type: bool
      dest:
        description: O(dest) of this entry.
        type: path
      dockerfile:
        description: O(dockerfile) of this entry.
        type: path
      force:
        description: O(force) of this entry.
        type: bool
      metadata:
        description: O(metadata) of this entry.
        type: dict
      pending:
        description: O(pending) of this entry.
        type: bool
      name:
        description: O(name) of this entry.
        type: str
      src:
        description: O(src) of this entry.
        type: path
      source:
        description: O(source) of this entry.
        type: str
  image:
    description:
      - The Docker image to convert, by name (C(name:tag)) or ID. With O(archive), the image of the
        archive to use when it holds several.
      - Required with O(state=present) unless O(archive) is set.
    type: str
  archive:
    description:
      - A C(docker save) (docker-archive) tarball to convert; it is loaded into the daemon first.
    type: path
  pull:
    description:
      - Pull O(image) from its registry before converting.
    type: bool
    default: false
  dest:
    description:
      - The SIF file to write. Its directory must exist.
      - With O(state=pushed), the registry reference to push to, C(oras://registry[:port]/repository[:tag])
        (tag C(latest) when omitted).
      - Required with O(state=present) and O(state=pushed).
    type: path
  backend:
    description:
      - V(native) converts with C(sqfstar) and C(siftool) only.
      - V(apptainer) and V(singularity) run C(<tool> build) from a C(docker save) of the image;
        the tool must be installed.
      - V(auto) picks apptainer, then singularity, when installed, and V(native) otherwise.
    type: str
    choices: [auto, native, apptainer, singularity]
    default: auto
  compression:
    description:
      - Squashfs compression of the system partition. V(gzip) is the default for compatibility with
        old runtimes; V(zstd) is faster and smaller, and needs Apptainer >= 1.1 or SingularityCE >= 3.9
        to run.
    type: str
    choices: [gzip, zstd, lz4, xz]
    default: gzip
  jobs:
    description:
      - Number of compression threads; all the CPUs the module may use by default.
    type: int
  dockerfile:
    description:
      - Dockerfile of the image. When set, spython converts it to the Singularity definition file
        embedded in the SIF; otherwise the definition file names the source image.
    type: path
  force:
    description:
      - Convert even when O(dest) was made from the same source image.
    type: bool
    default: false
  metadata:
    description:
      - With O(state=present), extra fields of the side file, such as C(name), C(type),
        C(system), C(image_version), C(origin), C(origin_run), C(origin_dev) and C(compatibility).
        C(name) defaults to the file name of O(dest) without C(.sif).
      - With O(state=published), the side file of the SIF to publish (at least C(name) or
        O(name), and C(sha256)); read from C(<src>.json) when not given.
      - With O(state=published), the fields are checked before anything is done, since they name
        files of O(publish_dir). C(name) and C(image_version) hold letters, digits, C(.), C(_),
        C(+) and C(-), starting with a letter or digit (C(name) without C(.sif)); C(sha256) is 64
        and C(md5) 32 lowercase hexadecimal digits; C(size) and C(build_number) are non-negative
        integers; C(type), C(system), C(image_id) and C(creation_time) are strings;
        C(compatibility) is a list.
    type: dict
  v2_files:
    description:
      - With O(state=present), also write C(<dest>.md5) (hex digest, no newline) and
        C(<dest>.dockerid) for casa-distro v2 clients.
      - With O(state=published), also serve the v2 layout for casa-distro v2 clients.
        C(<name>.simg) is a symlink to the latest build. C(<name>.simg.md5) holds its MD5 (hex, no
        newline) and C(<name>.simg.dockerid) its source Docker image ID. They follow the latest
        build at every later publication of the name, with or without this option.
    type: bool
    default: false
  keep_builds:
    description:
      - With O(state=published), keep only the N newest builds of the name. Older builds (image and
        JSON) are removed and the index updated. The build C(<name>-latest.sif) points at is never
        removed, and build numbers are not reused.
      - Unset keeps every build.
    type: int
  publish_dir:
    description:
      - The download directory on the publish host (created when missing).
      - Required with O(state=published).
    type: path
  src:
    description:
      - With O(state=published), the SIF uploaded to the publish host (normally RV(upload_path)).
        It is moved into place when published, and removed when it turns out to be published already.
      - It must be a complete SIF file (its header and descriptors are checked) to be published.
      - With O(state=pushed), the SIF file to push.
    type: path
  source:
    description:
      - With O(state=published) and no O(src), the SIF in a registry, pinned by digest
        (C(oras://registry[:port]/repository@sha256:...), the RV(reference) returned by O(state=pushed)).
        It is downloaded to RV(upload_path) only when no published build has the sha256 of O(metadata),
        and its layer must have that sha256.
    type: str
  registry_plain_http:
    description:
      - With O(state=pushed) or O(source), talk to the registry over plain HTTP instead of HTTPS (a registry
        on a private network without TLS, like Apptainer's C(--no-https)).
    type: bool
    default: false
  registry_validate_certs:
    description:
      - With O(state=pushed) or O(source) over HTTPS, verify the registry's certificate.
    type: bool
    default: true
  registry_ca_path:
    description:
      - CA certificate to verify the registry's certificate with (O(state=pushed) or O(source)).
    type: path
  name:
    description:
      - With O(state=published), the image name (C(<name>-<N>.sif)); defaults to the C(name) of
        O(metadata).
    type: str
  base_url:
    description:
      - URL of O(publish_dir) on the web server; download URLs are added to the index and results.
    type: str
  verify_src:
    description:
      - Check the size, sha256 and md5 of O(src) against O(metadata) before publishing it.
    type: bool
    default: true
  verify_published:
    description:
      - Recompute the checksum of the published file that matches O(metadata) before declaring the
        image up to date, instead of trusting its JSON and size.
    type: bool
    default: false
  pending:
    description:
      - Check mode only, ignored otherwise. An earlier task of the same run would make the
        source, so what is there now is not what the task would work on.
      - With O(state=present), the Docker image would be built or rebuilt first. The task
        predicts V(would convert) instead of failing on an image that is not in the daemon yet.
      - With O(state=published), the SIF would be converted first and only its name is known (O(name)
        or C(name) in O(metadata)). The task predicts V(would publish) with the next build number.
    type: bool
    default: false
notes:
  - O(state=pushed) and O(source) talk to the registry's HTTP API directly (not through a Docker
    daemon), with O(registry_username) and O(registry_password) for its basic or token authentication.
  - O(state=present) runs on the host whose Docker daemon holds the image; it needs C(sqfstar)
    (squashfs-tools 4.5 or later) and C(siftool) there for the native back end, and free space beside
    O(dest) for the saved image (its uncompressed size, removed once read) and the SIF.
  - O(state=published) runs on the publish host and only touches O(publish_dir); Ansible moves
    the file there (M(ansible.builtin.copy) or M(ansible.posix.synchronize)) only when
    RV(upload_needed) is true.
seealso:
  - module: casa.distro.casa_docker_image
'''

EXAMPLES = r'''
- name: Convert an image to SIF (create_singularity)
  casa.distro.casa_singularity_image:
    image: 127.0.0.1:5000/casa/casa-run:5.3
    dest: /srv/sif/casa-run-5.3.sif
    metadata:
      type: run
      system: ubuntu-22.04
      image_version: "5.3"
  register: sif

- name: Convert with zstd, forcing a rebuild, with a definition file made from the Dockerfile
  casa.distro.casa_singularity_image:
    image: 127.0.0.1:5000/casa/casa-dev:5.3
    dest: /srv/sif/casa-dev-5.3.sif
    dockerfile: /srv/recipes/casa-dev/Dockerfile
    compression: zstd
    backend: native
    force: true

- name: Ask the publish host whether the image is published already
  casa.distro.casa_singularity_image:
    state: published
    publish_dir: /var/www/html/download
    metadata: "{{ sif.metadata }}"
  delegate_to: publish.example.org
  register: publication

- name: Upload the SIF only when it is not published yet
  ansible.builtin.copy:
    src: /srv/sif/casa-run-5.3.sif
    dest: "{{ publication.upload_path }}"
    mode: "0644"
  delegate_to: publish.example.org
  when: publication.upload_needed

- name: Look whether several SIF images need converting, in one module call
  casa.distro.casa_singularity_image:
    images:
      - image: 127.0.0.1:5000/casa/casa-run:5.3
        dest: /srv/sif/casa-run-5.3.sif
        metadata: {type: run}
      - image: 127.0.0.1:5000/casa/casa-dev:5.3
        dest: /srv/sif/casa-dev-5.3.sif
        metadata: {type: dev}
    compression: zstd
  check_mode: true
  register: sif_look

- name: Say which ones would be converted
  ansible.builtin.debug:
    msg: "{{ sif_look.results | selectattr('changed') | map(attribute='dest') | list }}"

- name: Push the SIF to the registry, where apptainer pull oras://... finds it
  casa.distro.casa_singularity_image:
    state: pushed
    src: /srv/sif/casa-run-5.3.sif
    dest: oras://registry.example.org/casa/sif/casa-run:5.3
  register: pushed

- name: Publish it on the publish host straight from the registry (nothing goes through the controller)
  casa.distro.casa_singularity_image:
    state: published
    publish_dir: /var/www/html/download
    metadata: "{{ sif.metadata }}"
    source: "{{ pushed.reference }}"
  delegate_to: publish.example.org

- name: Publish it with the next build number (publish_singularity)
  casa.distro.casa_singularity_image:
    state: published
    publish_dir: /var/www/html/download
    base_url: https://download.example.org/
    metadata: "{{ sif.metadata }}"
    src: "{{ publication.upload_path }}"
  delegate_to: publish.example.org
  when: publication.upload_needed
'''

RETURN = r'''
results:
  description:
    - With O(images), the result of each entry, in the order of O(images). Each is what the task
      returns for one image (RV(path), RV(metadata), RV(upload_needed)...). The task's own
      RV(actions) are theirs in order, and its diff is the list of their diffs.
  returned: with O(images)
  type: list
  elements: dict
path:
  description: The SIF file (O(state=present)).
  returned: state=present
  type: str
  sample: /srv/sif/casa-run-5.3.sif
side_file:
  description: The side file holding the metadata (O(state=present)).
  returned: state=present
  type: str
  sample: /srv/sif/casa-run-5.3.sif.json
converted:
  description: Whether the SIF was (re)built by this task.
  returned: state=present
  type: bool
build_reason:
  description: Why the SIF was (or would be) built; null when it was up to date.
  returned: state=present
  type: str
  sample: source image changed (sha256:1717e3eb330 -> sha256:2c2b1a0f9e1)
backend:
  description: The back end used (or that would be used).
  returned: state=present
  type: str
  sample: native
source_image_id:
  description: Image ID of the Docker image converted.
  returned: state=present
  type: str
source_reference:
  description: The reference the image was found under.
  returned: state=present
  type: str
source_digest:
  description:
    - With O(state=present), the registry digest of the source image, when it has one.
    - With O(state=published) and O(source), the manifest digest of O(source), when the SIF was downloaded from it.
  returned: state=present; state=published with source, when downloaded
  type: str
arch:
  description: Architecture of the image and of the SIF's system partition.
  returned: state=present
  type: str
  sample: amd64
metadata:
  description:
    - With O(state=present), the content of the side file (casa-distro v3 fields plus sha256,
      source_image_id, source_digest); null in check mode when nothing exists yet.
    - With O(state=published), the JSON written next to the published file, when published.
  returned: success
  type: dict
  sample:
    name: casa-run-5.3
    type: run
    system: ubuntu-22.04
    image_version: "5.3"
    size: 91688960
    md5: c175b65901c1ce44f27cef4a53559547
    sha256: 679bd548898f7ca4e063bc8a40ffca560ce66b1adcb6e6bd73686fb06a1d3ec6
    image_id: cf563533-eb80-491a-9fd2-89a5b3e0a514
    build_number: null
sif_labels:
  description: Labels recorded in the SIF (what C(apptainer inspect) shows).
  returned: state=present
  type: dict
seconds:
  description: Duration of the conversion.
  returned: when converted
  type: float
reference:
  description: What O(state=pushed) pushed, pinned by its manifest digest (C(oras://registry/repository@sha256:...)); null in check mode.
  returned: state=pushed
  type: str
digest:
  description: The manifest digest of the SIF artifact in the registry (O(state=pushed)).
  returned: state=pushed
  type: str
pushed:
  description: Whether O(state=pushed) stored a new manifest under the tag.
  returned: state=pushed
  type: bool
name:
  description: The published image name.
  returned: state=published
  type: str
sha256:
  description: Checksum of the image published or checked.
  returned: state=published
  type: str
up_to_date:
  description: Whether a published build already has this checksum.
  returned: state=published
  type: bool
upload_needed:
  description: Whether the SIF must be copied to RV(upload_path) before it can be published.
  returned: state=published
  type: bool
upload_path:
  description: Where to copy the SIF on the publish host (inside O(publish_dir), same filesystem).
  returned: state=published and not up to date
  type: str
published:
  description: Whether this task published a new build.
  returned: state=published
  type: bool
build_number:
  description: The build number of the published (or matching, or would-be) build.
  returned: state=published, when known
  type: int
  sample: 3
published_file:
  description: File name of the published build, C(<name>-<N>.sif).
  returned: state=published, when known
  type: str
  sample: casa-run-5.3-3.sif
url:
  description: Download URL of the published build (with O(base_url)).
  returned: state=published with base_url
  type: str
index_path:
  description: The JSON index of the download directory.
  returned: state=published
  type: str
latest:
  description: The latest build file of this name.
  returned: state=published
  type: str
builds:
  description: Every published build of this name, as in the index (file, build number, size, md5, sha256).
  returned: state=published
  type: list
  elements: dict
actions:
  description: Everything done, in words, in order.
  returned: always
  type: list
  elements: str
  sample: ["Converted casa/run:5.3 (sha256:1717e3eb330) to /srv/sif/run.sif with the native back end in 14.2 s (no SIF at /srv/sif/run.sif)"]
removed_builds:
  description: Builds of the name removed by O(keep_builds) (would be removed, in check mode).
  returned: state=published
  type: list
  elements: str
  sample: [casa-run-5.3-1.sif]
command:
  description: The command that failed.
  returned: when an external tool failed
  type: list
  elements: str
stderr:
  description: The end of the failing command's error output.
  returned: when an external tool failed
  type: str
log_path:
  description: The live log the steps of this task were written to (O(log_path)).
  returned: when O(log_path) is set, outside check mode
  type: str
  sample: /var/log/casa-distro/sif-build1.log
log_lines:
  description: The progress lines and actions of this task (save, flatten, squashfs, the tool's own
    output with a tool back end, the copy into the download area).
  returned: with C(-v)
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.casa.distro.plugins.module_utils._module import docker_argument_spec, run_module
from ansible_collections.casa.distro.plugins.module_utils._sif.backends import BACKENDS
from ansible_collections.casa.distro.plugins.module_utils._sif.batch import ENTRY_DEFAULTS, PER_IMAGE_OPTIONS
from ansible_collections.casa.distro.plugins.module_utils._sif.converter import COMPRESSIONS
from ansible_collections.casa.distro.plugins.module_utils._sif.runner import SingularityImageRunner


def main():
    argument_spec = docker_argument_spec(
        state=dict(type='str', choices=['present', 'published', 'pushed'], default='present'),
        image=dict(type='str'),
        archive=dict(type='path'),
        pull=dict(type='bool', default=False),
        dest=dict(type='path'),
        backend=dict(type='str', choices=list(BACKENDS), default='auto'),
        compression=dict(type='str', choices=list(COMPRESSIONS), default='gzip'),
        jobs=dict(type='int'),
        log_path=dict(type='path'),
        dockerfile=dict(type='path'),
        force=dict(type='bool', default=False),
        metadata=dict(type='dict'),
        v2_files=dict(type='bool', default=False),
        publish_dir=dict(type='path'),
        src=dict(type='path'),
        source=dict(type='str'),
        registry_plain_http=dict(type='bool', default=False),
        registry_validate_certs=dict(type='bool', default=True),
        registry_ca_path=dict(type='path'),
        name=dict(type='str'),
        base_url=dict(type='str'),
        verify_src=dict(type='bool', default=True),
        verify_published=dict(type='bool', default=False),
        keep_builds=dict(type='int'),
        pending=dict(type='bool', default=False),
    )
    # An entry of images takes each per-image option with its type and no default: unset, the
    # task's own value applies.
    argument_spec['images'] = dict(type='list', elements='dict', options=dict(
        (name, dict(type=argument_spec[name]['type'])) for name in PER_IMAGE_OPTIONS))
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[('state', 'present', ('dest', 'images'), True),
                     ('state', 'present', ('image', 'archive', 'images'), True),
                     ('state', 'published', ('publish_dir',)),
                     ('state', 'pushed', ('src', 'dest'))],
        mutually_exclusive=[('archive', 'pull'), ('src', 'source')] + [
            ('images', option) for option in PER_IMAGE_OPTIONS if option not in ENTRY_DEFAULTS],
    )
    run_module(module, SingularityImageRunner)


if __name__ == '__main__':
    main()
