# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Argument specs and client construction shared by the modules that talk to Docker."""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from ansible_collections.casa.distro.plugins.module_utils._docker import DockerClient


def docker_argument_spec(**module_options):
    """The connection and registry options (see doc fragments casa.distro.docker), plus the
    module's own options."""
    spec = dict(
        docker_host=dict(type='str', fallback=(env_fallback, ['DOCKER_HOST'])),
        timeout=dict(type='int', default=300),
        tls=dict(type='bool', default=False),
        validate_certs=dict(type='bool', default=False),
        ca_path=dict(type='path'),
        client_cert=dict(type='path'),
        client_key=dict(type='path', no_log=False),
        api_version=dict(type='str', default='auto'),
        registry_username=dict(type='str'),
        registry_password=dict(type='str', no_log=True),
        retries=dict(type='int', default=3),
        retry_delay=dict(type='float', default=2.0),
    )
    spec.update(module_options)
    return spec


def docker_client(module):
    """A DockerClient from the module's connection options (raises _docker.DockerError)."""
    params = module.params
    return DockerClient(
        docker_host=params.get('docker_host'), timeout=params.get('timeout'),
        tls=params.get('tls'), validate_certs=params.get('validate_certs'),
        ca_path=params.get('ca_path'), client_cert=params.get('client_cert'),
        client_key=params.get('client_key'), api_version=params.get('api_version'),
        retries=params.get('retries'), retry_delay=params.get('retry_delay'))
