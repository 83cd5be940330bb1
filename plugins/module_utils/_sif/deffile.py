# -*- coding: utf-8 -*-
# Copyright: casa.distro contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The definition file embedded in a SIF: one naming the source image, or spython's conversion of
the image's Dockerfile (a library call; no tool is run)."""

from __future__ import annotations

import os

from ansible_collections.casa.distro.plugins.module_utils._sif.errors import SifError

try:
    from spython.main.parse.parsers import DockerParser
    from spython.main.parse.writers import SingularityWriter
    HAS_SPYTHON = True
    SPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - optional; only the Dockerfile conversion needs it
    HAS_SPYTHON = False
    SPYTHON_IMPORT_ERROR = exc


def default_deffile(reference):
    """A definition file that rebuilds the SIF from the same Docker image."""
    return 'bootstrap: docker-daemon\nfrom: %s\n' % reference


def dockerfile_deffile(dockerfile, reference):
    """A Singularity definition file converted from a Dockerfile with spython.

    The header is pointed at the built image, so that the definition reproduces it.
    """
    if not HAS_SPYTHON:
        raise SifError('Converting %s to a definition file needs spython (pip install spython): %s'
                       % (dockerfile, SPYTHON_IMPORT_ERROR))
    try:
        parser = DockerParser(dockerfile)  # parses on construction
        text = SingularityWriter(parser.recipe).convert()
    except SystemExit as exc:  # spython's logger exits on unreadable input
        raise SifError('spython could not convert %s to a Singularity definition file (%s)'
                       % (dockerfile, exc))
    except Exception as exc:  # pylint: disable=broad-exception-caught  # any parser failure is the Dockerfile's
        raise SifError('spython could not convert %s to a Singularity definition file: %s'
                       % (dockerfile, exc))
    return ('# Converted by spython from %s; built from the Docker image %s\n%s'
            % (os.path.basename(dockerfile), reference, text))
