"""The image builds, runs as its own user and imports the bot, where a container engine runs.

The build downloads the base image and the pinned packages the first time, so
it is marked ``container``; it is skipped, saying why, on machines without a
reachable Docker daemon.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _engine() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    try:
        probe = subprocess.run(  # noqa: S603 - fixed arguments
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return docker if probe.returncode == 0 else None


ENGINE = _engine()

pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(
        ENGINE is None, reason="no container engine: docker is missing or its daemon unreachable"
    ),
]


def test_image_builds_and_runs_as_an_unprivileged_user() -> None:
    assert ENGINE is not None
    tag = f"consent-desk-test:{uuid.uuid4().hex[:8]}"
    subprocess.run([ENGINE, "build", "--tag", tag, str(ROOT)], check=True, timeout=900)  # noqa: S603
    try:
        check = subprocess.run(  # noqa: S603
            [
                ENGINE,
                "run",
                "--rm",
                "--network=none",
                "--entrypoint",
                "python",
                tag,
                "-c",
                "import os, app; print(os.getuid(), os.environ['HOST'], os.environ['DATA_DIR'])",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        uid, host, data_dir = check.stdout.split()
        assert uid != "0"
        assert host == "0.0.0.0"  # noqa: S104 - the container's own interface
        assert data_dir == "/data"
    finally:
        subprocess.run([ENGINE, "rmi", "--force", tag], capture_output=True, check=False)  # noqa: S603
