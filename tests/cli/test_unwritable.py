"""Unwritable destinations (a read-only folder, a full disk) are one line on stderr, exit 2, and
lose nothing; a search stopped by a full disk resumes once there is room.

A read-only folder is a read-only tmpfs when running as root (root ignores file modes), else a
folder without write permission. A full disk needs a small tmpfs, so root."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from symopt.cli import main
from symopt.store import RunStore
from tests.dsl.test_text import SEEDS

SMOKE = Path(__file__).parents[2] / "configs" / "smoke.yaml"


def _mount(path: Path, options: str) -> bool:
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True)  # fmt: skip
    return done.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=True)


@pytest.fixture
def readonly_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "readonly"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if not _mount(folder, "ro,size=1m"):
        pytest.skip("cannot mount a read-only tmpfs here")
    yield folder
    _umount(folder)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0 or not _mount(folder, "size=200k"):
        pytest.skip("a full disk needs a small tmpfs, which needs root")
    yield folder
    _umount(folder)


def _one_line(err: str, *fragments: str) -> None:
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("symopt: error: ")
    for fragment in fragments:
        assert fragment in err, (fragment, err)


@pytest.mark.parametrize(
    "args",
    [
        ["export", str(SEEDS / "sgd.txt"), "-o", "{dir}/sgd.py"],
        ["export", str(SEEDS / "sgd.txt"), "--to", "torch", "-o", "{dir}/sgd.py"],
        ["simplify", str(SEEDS / "adamw.txt"), "-o", "{dir}/s.txt"],
    ],
)
def test_output_into_a_readonly_folder(readonly_dir, capsys, args):
    args = [a.format(dir=readonly_dir) for a in args]
    assert main(args) == 2
    _one_line(capsys.readouterr().err, f"cannot write {readonly_dir}")
    assert list(readonly_dir.iterdir()) == []


def test_output_onto_a_folder(tmp_path, capsys):
    assert main(["export", str(SEEDS / "sgd.txt"), "-o", str(tmp_path)]) == 2
    _one_line(capsys.readouterr().err, "is a folder")


def test_search_and_report_into_a_readonly_folder(readonly_dir, tmp_path, capsys):
    assert main(["search", str(SMOKE), "--out", str(readonly_dir / "run"), "--quiet"]) == 2
    _one_line(capsys.readouterr().err, "cannot create a run in")
    run = tmp_path / "run"
    # a run to report on: one evaluation is enough
    with RunStore.create(run, SMOKE.read_text(), "h") as store:
        from symopt.store import EvaluationRecord

        store.add_evaluation(EvaluationRecord(program=(SEEDS / "sgd.txt").read_text(),
                                              fitness=0.5, status="ok", origin="seed"))  # fmt: skip
    capsys.readouterr()
    assert main(["report", str(run), "-o", str(readonly_dir / "report")]) == 2
    err = capsys.readouterr().err  # progress lines, then the error
    assert err.startswith("read 1 candidates")
    _one_line(err.splitlines(keepends=True)[-1], "cannot write the report into")


@pytest.mark.slow
def test_full_disk_mid_search_then_resume(small_disk):
    """The smoke search fills a 200 kB disk; what was stored survives, a read-only disk is one
    line too, and once there is room ``--resume`` finishes without training anything twice."""
    out = small_disk / "run"
    search = [sys.executable, "-m", "symopt.cli", "search", str(SMOKE), "--out", str(out),
              "--quiet"]  # fmt: skip
    full = subprocess.run(search, capture_output=True, text=True, timeout=300)
    assert full.returncode == 2
    _one_line(full.stderr, "disk is full", "--resume")
    with RunStore.open_readonly(out) as store:
        before = [(r.id, r.program) for r in store.iter_evaluations()]
    assert before
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    readonly = subprocess.run([*search, "--resume"], capture_output=True, text=True, timeout=300)
    assert readonly.returncode == 2
    _one_line(readonly.stderr, "Read-only file system")
    subprocess.run(["mount", "-o", "remount,rw,size=20m", str(small_disk)], check=True)
    resumed = subprocess.run([*search, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    with RunStore.open_readonly(out) as store:
        after = [(r.id, r.program) for r in store.iter_evaluations()]
        trained = [r for r in store.iter_evaluations() if r.status != "cached"]
    assert after[: len(before)] == before
    assert len(trained) >= 60
