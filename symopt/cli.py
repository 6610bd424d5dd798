"""The ``symopt`` command line: argument parsing and user-facing messages only.

A mistake in the user's input is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from symopt.errors import SymoptError

EXIT_USER_ERROR = 2


def load_program(spec: str):
    """The program named on the command line: a file holding program text."""
    from symopt.dsl import read_program

    return read_program(spec)


def _program_title(spec: str) -> str:
    return Path(spec).stem or "program"


def cmd_export(args: argparse.Namespace) -> int:
    from symopt.export import to_optax_source

    program = load_program(args.program)
    source = to_optax_source(program, title=_program_title(args.program))
    _write_output(source, args.output)
    return 0


def _write_output(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    path = Path(output)
    if not path.parent.is_dir():
        raise SymoptError(f"{output}: the folder {path.parent} does not exist")
    path.write_text(text, encoding="utf-8")
    print(f"wrote {output}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symopt",
        description="Discover neural-network optimizers by evolutionary program search.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    export = sub.add_parser(
        "export",
        help="write a program as a standalone optimizer module",
        description="Write PROGRAM as a standalone optax module defining optimizer(learning_rate).",
    )
    export.add_argument("program", metavar="PROGRAM", help="a file holding program text")
    export.add_argument("--to", choices=["optax"], default="optax", help="target framework")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SymoptError as err:
        print(f"symopt: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("symopt: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
