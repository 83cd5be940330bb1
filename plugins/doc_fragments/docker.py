# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:

    # Connection to the Docker daemon, shared by every module that talks to Docker.
    DOCUMENTATION = r'''
options:
  docker_host:
    description:
      - The Docker daemon to talk to, as a C(unix://), C(tcp://) or C(ssh://) URL.
      - Falls back to the E(DOCKER_HOST) environment variable, then to C(unix:///var/run/docker.sock).
    type: str
  timeout:
    description:
      - Seconds to wait for an answer from the daemon on one request.
      - Long builds and pushes stream their output and are not cut by this timeout between lines.
    type: int
    default: 300
  tls:
    description:
      - Talk to the daemon over TLS without verifying its certificate.
    type: bool
    default: false
  validate_certs:
    description:
      - Talk to the daemon over TLS and verify its certificate against O(ca_path).
    type: bool
    default: false
  ca_path:
    description:
      - CA certificate used to verify the daemon's certificate.
    type: path
  client_cert:
    description:
      - Client certificate presented to the daemon.
    type: path
  client_key:
    description:
      - Key of O(client_cert).
    type: path
  api_version:
    description:
      - Docker API version to use; V(auto) negotiates with the daemon.
    type: str
    default: auto
requirements:
  - Docker SDK for Python (C(docker)) >= 5.0 on the host the module runs on.
'''

    # Registry credentials and retries, for modules that push to or pull from a registry.
    REGISTRY = r'''
options:
  registry_username:
    description:
      - User name for the registry the images are pushed to or pulled from.
      - Without it, the credentials of the daemon host's C(docker login), if any, apply.
    type: str
  registry_password:
    description:
      - Password or token for O(registry_username). Never logged nor returned.
    type: str
  retries:
    description:
      - How many more times a registry operation (push, pull, manifest look-up) is tried after a
        transient failure (connection refused or reset, timeouts, HTTP 5xx, rate limits).
      - Authentication failures and unknown repositories fail at once.
    type: int
    default: 3
  retry_delay:
    description:
      - Seconds before the first retry; the delay doubles on each further retry.
    type: float
    default: 2.0
'''
