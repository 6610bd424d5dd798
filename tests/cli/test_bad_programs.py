"""Every malformed program is one line on stderr naming file, line, column and mistake; exit 2.

The corpus lives in tests/dsl/bad_programs/: one mistake per file, and expected.yaml saying where
the error must point and a fragment of what it must say. The corpus runs in-process (fast); a few
cases run the real command in a subprocess to check the exit status and that nothing else reaches
stderr.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from symopt.cli import main

CORPUS = Path(__file__).parents[1] / "dsl" / "bad_programs"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))

# The mistakes the issue lists; each must keep at least one program in the corpus. (A missing file
# and a directory are not corpus files: see the tests below.)
ISSUE_CATEGORIES = {
    "unknown op",
    "wrong number of arguments",
    "call of a non-op",
    "keyword arguments",
    "loop",
    "if",
    "import",
    "attribute access",
    "undefined variable",
    "state slot not returned",
    "return of the wrong length",
    "Scalar where a Tree is required",
    "empty file",
    "not UTF-8",
}


def _assert_one_error_line(stderr: str, where: str, fragment: str) -> str:
    """``stderr`` is exactly ``symopt: error: <where>: ...`` on one line, holding ``fragment``."""
    assert "Traceback" not in stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, f"not one line: {stderr!r}"
    prefix = f"symopt: error: {where}: "
    assert stderr.startswith(prefix), f"{stderr!r} does not start with {prefix!r}"
    message = stderr[len(prefix) :].rstrip("\n")
    assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def _where(path: str | Path, expected: dict) -> str:
    if expected["line"] is None:
        return str(path)
    return f"{path}:{expected['line']}:{expected['col']}"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


# ---- the corpus itself ---------------------------------------------------------------------------


def test_corpus_is_large_and_every_file_has_an_expectation():
    files = {p.name for p in CORPUS.glob("*.txt")}
    assert len(files) >= 25
    assert files == set(EXPECTED), "files and expected.yaml disagree: " + str(
        sorted(files ^ set(EXPECTED))
    )
    for name, expected in EXPECTED.items():
        assert set(expected) == {"category", "line", "col", "fragment"}, name
        assert expected["fragment"], name
        assert (expected["line"] is None) == (expected["col"] is None), name


def test_corpus_covers_every_mistake_of_the_issue():
    categories = {e["category"] for e in EXPECTED.values()}
    missing = sorted(ISSUE_CATEGORIES - categories)
    assert not missing, f"no program in the corpus for: {missing}"


def test_corpus_files_hold_the_bytes_they_are_about():
    """Guard against an editor "fixing" a file: these mistakes live in the raw bytes."""
    raw = {name: (CORPUS / name).read_bytes() for name in EXPECTED}
    with pytest.raises(UnicodeDecodeError):
        raw["not_utf8.txt"].decode("utf-8")
    assert b"\xe9" in raw["not_utf8.txt"]
    assert b"\0" in raw["nul_byte.txt"]
    assert raw["empty.txt"] == b""
    assert raw["whitespace_only.txt"].strip() == b""
    assert b"\n\tupdate" in raw["mixed_tabs_spaces.txt"]
    for name, data in raw.items():
        if name not in ("not_utf8.txt", "nul_byte.txt"):
            data.decode("utf-8")  # every other file is valid UTF-8


# ---- every corpus program, in-process ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n.removesuffix(".txt"))
def test_bad_program_is_one_error_line_with_status_2(name, capsys):
    path = CORPUS / name
    expected = EXPECTED[name]
    status = main(["export", str(path)])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    _assert_one_error_line(err, _where(path, expected), expected["fragment"])


# ---- files that are not programs -----------------------------------------------------------------


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "no_such_program.txt"
    assert main(["export", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _assert_one_error_line(err, str(path), "no such file")


def test_directory_given_as_program(tmp_path, capsys):
    assert main(["export", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _assert_one_error_line(err, str(tmp_path), "is a directory")


def test_a_byte_order_mark_is_not_a_mistake(tmp_path, capsys):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfdef train(w, g, lr):\n    u = g * lr\n    return u\n")
    assert main(["export", str(path)]) == 0
    assert "def train(w, g, lr):" in capsys.readouterr().out


def test_absurdly_deep_nesting_is_an_error_not_a_crash(tmp_path, capsys):
    path = tmp_path / "deep.txt"
    path.write_text("def train(w, g, lr):\n    u = g" + " + g" * 100_000 + "\n    return u\n")
    assert main(["export", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _assert_one_error_line(err, f"{path}:1:1", "too deeply nested")


# ---- the real command ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["unknown_op.txt", "not_utf8.txt", "nul_byte.txt", "empty.txt", "mixed_tabs_spaces.txt"]
)
def test_subprocess_bad_program(name):
    path = CORPUS / name
    result = _run("-m", "symopt.cli", "export", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    _assert_one_error_line(result.stderr, _where(path, EXPECTED[name]), EXPECTED[name]["fragment"])


def test_subprocess_keeps_the_path_as_the_user_typed_it():
    spelt = "./bad_programs/../bad_programs/keyword_argument.txt"
    result = _run("-m", "symopt.cli", "export", spelt, cwd=CORPUS.parent)
    assert result.returncode == 2
    _assert_one_error_line(result.stderr, f"{spelt}:3:22", "keyword arguments are not allowed")


def test_subprocess_missing_file_and_directory(tmp_path):
    missing = tmp_path / "missing.txt"
    result = _run("-m", "symopt.cli", "export", str(missing))
    assert result.returncode == 2
    _assert_one_error_line(result.stderr, str(missing), "no such file")
    result = _run("-m", "symopt.cli", "export", str(tmp_path))
    assert result.returncode == 2
    _assert_one_error_line(result.stderr, str(tmp_path), "is a directory")


def test_subprocess_warnings_do_not_leak_into_the_error():
    """An invalid escape in a docstring warns while parsing; with -W error it must not turn into
    a misleading syntax error, and by default it must not add a line to stderr."""
    name = "docstring_escape.txt"
    path = CORPUS / name
    for flags in ([], ["-W", "error"], ["-W", "always"]):
        result = _run(*flags, "-m", "symopt.cli", "export", str(path))
        assert result.returncode == 2, flags
        message = _assert_one_error_line(
            result.stderr, _where(path, EXPECTED[name]), EXPECTED[name]["fragment"]
        )
        assert not re.search("escape|warning", message, re.IGNORECASE)
