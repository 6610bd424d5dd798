"""Read a config file into plain data: UTF-8 text, one YAML mapping, no key given twice.

Every problem is a one-line :class:`SymoptError` that starts with the file name as the user spelt
it; line and column are 1-based.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from symopt.config.messages import describe
from symopt.errors import SymoptError


def read_mapping(path: str | Path) -> dict:
    """The YAML mapping at the top of the file at ``path``."""
    source = str(path)
    text = _read_text(Path(path), source)
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: builds plain data only
    except yaml.MarkedYAMLError as err:
        raise SymoptError(f"{source}: {_describe_yaml_error(err)}") from None
    except yaml.YAMLError as err:
        raise SymoptError(f"{source}: not valid YAML: {_one_line(str(err))}") from None
    if data is None:
        raise SymoptError(f"{source}: the file is empty; a campaign config needs at least 'name'")
    if not isinstance(data, dict):
        raise SymoptError(
            f"{source}: the top level must be a mapping of keys to values, got {describe(data)}"
        )
    return data


def _read_text(path: Path, source: str) -> str:
    try:
        if not path.exists():
            raise SymoptError(f"{source}: no such file")
        if path.is_dir():
            raise SymoptError(f"{source}: is a directory, not a config file")
        data = path.read_bytes()
    except OSError as err:
        raise SymoptError(f"{source}: cannot read the file ({err.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise SymoptError(
            f"{source}: not UTF-8 text: byte 0x{data[err.start]:02x} on line {line} cannot be "
            "decoded; save the file as UTF-8"
        ) from None


def _describe_yaml_error(err: yaml.MarkedYAMLError) -> str:
    mark = err.problem_mark or err.context_mark
    problem = _one_line(err.problem or err.context or "cannot be parsed")
    if mark is None:
        return f"not valid YAML: {problem}"
    return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error.

    (Plain PyYAML silently keeps the last value, so a forgotten duplicate overrides the first.)
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        first_line: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                seen = key in first_line
            except TypeError:  # unhashable; the base class reports it
                continue
            if seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key {describe(key)} is given twice (first on line {first_line[key]})",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)
