"""The container image's recipe, checked without a container engine.

The build itself runs in tests/integration/test_container_image.py where an
engine is available; these checks hold the rules that matter in production
everywhere: an unprivileged user, a health check, runtime packages only, a
pinned base image, and sources that exist and are not ignored.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions() -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    joined: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        joined.append(pending + stripped)
        pending = ""
    found = []
    for line in joined:
        keyword, _, arguments = line.partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
    return found


def of(keyword: str) -> list[str]:
    return [i.arguments for i in instructions() if i.keyword == keyword]


def build_args() -> dict[str, str]:
    defaults = {}
    for argument in of("ARG"):
        name, _, value = argument.partition("=")
        defaults[name] = value
    return defaults


def test_every_base_image_has_a_pinned_version() -> None:
    args = build_args()
    for argument in of("FROM"):
        image = argument.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda match: args.get(match.group(1), ""), image)
        if ":" not in image and "@" not in image:
            assert image in {stage.split()[-1] for stage in of("FROM") if " AS " in stage}, image
            continue
        name, _, tag = image.partition(":")
        assert name == "python", image
        assert re.fullmatch(r"3\.1[1-9]\.\d+-slim(-\w+)?", tag), f"unpinned base image {image}"


def test_the_process_runs_as_an_unprivileged_user() -> None:
    users = of("USER")
    assert users, "no USER: the bot would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    keywords = [i.keyword for i in instructions()]
    assert keywords.index("ENTRYPOINT") > len(keywords) - 1 - keywords[::-1].index("USER")


def test_only_runtime_requirements_are_installed() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "requirements-dev" not in text
    assert any("requirements.txt" in run for run in of("RUN"))


def test_health_check_asks_healthz_without_curl() -> None:
    [check] = of("HEALTHCHECK")
    assert "/healthz" in check
    assert "CMD python -c" in check
    assert "curl" not in check
    assert "wget" not in check


def test_listens_on_every_interface_on_the_default_port() -> None:
    environment = " ".join(of("ENV"))
    assert "HOST=0.0.0.0" in environment
    default_port = Settings.model_fields["port"].default
    assert of("EXPOSE") == [str(default_port)]
    assert f"PORT={default_port}" in environment


def test_data_lives_in_a_volume() -> None:
    environment = " ".join(of("ENV"))
    match = re.search(r"DATA_DIR=(\S+)", environment)
    assert match is not None
    assert match.group(1) in " ".join(of("VOLUME"))


def test_entrypoint_runs_app_py_in_exec_form() -> None:
    [entrypoint] = of("ENTRYPOINT")
    assert entrypoint == '["python", "app.py"]'  # exec form: SIGTERM reaches Python
    assert 'if __name__ == "__main__":' in (ROOT / "app.py").read_text(encoding="utf-8")


def _ignored(path: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern + "/*"):
            ignored = not negated
    return ignored


def test_every_copy_source_exists_and_reaches_the_build() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = []
    for argument in of("COPY"):
        words = [w for w in shlex.split(argument) if not w.startswith("--")]
        if "--from=" in argument:
            continue
        sources += words[:-1]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY source missing: {source}"
        assert not _ignored(source.rstrip("/"), patterns), f"{source} is in .dockerignore"


def test_secrets_and_local_state_stay_out_of_the_build() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (".env", ".venv", "data", ".git", "tests", "requirements-dev.txt"):
        assert _ignored(path, patterns), f"{path} would be sent to the build"
