# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every module shares: the error boundary (``run_module``), the check for a missing
Python library, and the Docker connection options with their client."""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.casa.distro.plugins.module_utils._errors import failure_of


def run_module(module, make_runner):
    """The one boundary between the collection's logic and Ansible.

    ``make_runner(module)`` returns a runner: ``run()`` gives the result dict; the optional
    ``partial_results()`` gives what was done before a failure, which the failure then carries
    (nothing done is lost from the report). Every exception ends in ``fail_json`` through
    ``_errors.failure_of``; the diff is returned only under --diff.
    """
    runner = None
    try:
        runner = make_runner(module)
        result = runner.run()
    except Exception as exc:  # pylint: disable=broad-exception-caught  # the one boundary
        msg, details = failure_of(exc)
        partial = {}
        if runner is not None and hasattr(runner, 'partial_results'):
            try:
                partial = runner.partial_results()
            except Exception:  # pylint: disable=broad-exception-caught  # keep the first error
                partial = {}
        partial.pop('diff', None)
        partial.update(details)
        partial.pop('msg', None)
        partial.pop('failed', None)
        module.fail_json(msg=msg, **partial)
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)


def require_library(module, available, name, import_error):
    """Fail with Ansible's standard message when Python library ``name`` is missing."""
    if not available:
        module.fail_json(msg=missing_required_lib(name), exception=str(import_error))


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
    # Imported here: loading the Docker SDK costs every module start about 80 ms, and the release
    # plan module never talks to Docker.
    from ansible_collections.casa.distro.plugins.module_utils._docker import DockerClient  # pylint: disable=import-outside-toplevel

    params = module.params
    return DockerClient(
        docker_host=params.get('docker_host'), timeout=params.get('timeout'),
        tls=params.get('tls'), validate_certs=params.get('validate_certs'),
        ca_path=params.get('ca_path'), client_cert=params.get('client_cert'),
        client_key=params.get('client_key'), api_version=params.get('api_version'),
        retries=params.get('retries'), retry_delay=params.get('retry_delay'))


def registry_auth(params):
    """The Docker SDK auth config from the registry options, or None to use the daemon's own
    credentials (docker login on the host)."""
    username = params.get('registry_username')
    if not username:
        return None
    return {'username': username, 'password': params.get('registry_password') or ''}
