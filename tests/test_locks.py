"""The hash-pinned locks in requirements/ agree with setup.cfg, so a fresh machine installs exactly
what the tests ran with (scripts/setup installs only from the locks, with --require-hashes)."""

from __future__ import annotations

import configparser
import re

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from contentapi.config import REPOSITORY_DIR

REQUIREMENTS = REPOSITORY_DIR / "requirements"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, str]:
    """name -> version of every requirement pinned in a lock, checking each carries a hash."""
    text = (REQUIREMENTS / lock).read_text(encoding="utf-8")
    found = {}
    for block in re.split(r"\n(?=\S)", text):
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{lock}: {match.group(1)} has no hash"
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def declared(*sections: str) -> list[Requirement]:
    """The requirements setup.cfg declares in [options] install_requires and the named extras."""
    parser = configparser.ConfigParser()
    parser.read(REPOSITORY_DIR / "setup.cfg", encoding="utf-8")
    lines = parser["options"]["install_requires"].split("\n")
    for extra in sections:
        lines += parser["options.extras_require"][extra].split("\n")
    return [Requirement(line.strip()) for line in lines if line.strip()]


@pytest.mark.parametrize("lock, extras", [("main.txt", ()), ("test.txt", ("test",))])
def test_every_declared_requirement_is_pinned_within_its_range(lock, extras):
    locked = pins(lock)
    for requirement in declared(*extras):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is in setup.cfg but not in requirements/{lock}: run scripts/lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={locked[name]}, outside setup.cfg's {requirement}: run scripts/lock"
        )


def test_the_test_lock_holds_the_runtime_lock_at_the_same_versions():
    runtime, test = pins("main.txt"), pins("test.txt")
    assert {name: test.get(name) for name in runtime} == runtime


def test_the_build_backend_is_locked_for_builds_without_isolation():
    for lock in ("main.txt", "test.txt"):
        assert {"setuptools", "wheel"} <= set(pins(lock)), f"{lock}: scripts/setup builds with --no-build-isolation"
