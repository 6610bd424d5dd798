"""The Ray tests run with a private home folder: Ray (>= 2.52) writes an authentication token to
``~/.ray/auth_token`` when it starts a cluster, and a token left in the user's home turns token
authentication on for every later ``ray start`` on that machine."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="package", autouse=True)
def private_home(tmp_path_factory) -> Iterator[Path]:
    real_ray = Path.home() / ".ray"
    before = _snapshot(real_ray)
    home = tmp_path_factory.mktemp("home")
    patch = pytest.MonkeyPatch()
    patch.setenv("HOME", str(home))
    yield home
    patch.undo()
    assert _snapshot(real_ray) == before, f"the Ray tests changed {real_ray}"
