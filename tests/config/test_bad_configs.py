"""Every mistake in a campaign config is one line: ``<file>: <key.path>: <what is wrong>``."""

from __future__ import annotations

import pytest

from symopt.config import load_config
from symopt.errors import SymoptError

# (file text, the message after "<file>: "); a fragment ends with "...".
BAD_CONFIGS = [
    # unknown keys, at every level, with the closest spelling suggested
    ("name: x\npopulaton: 10\n", "populaton: unknown key; did you mean 'population'?"),
    ("name: x\nmutation:\n  insrt: 1\n", "mutation.insrt: unknown key; did you mean 'insert'?"),
    ("name: x\ntasks:\n  - nme: digits_mlp\n", "tasks[0].nme: unknown key; did you mean 'name'?"),
    ("name: x\nrestarts: {frm: seed}\n", "restarts.frm: unknown key; did you mean 'from'?"),
    ("name: x\nbananas: 1\n", "bananas: unknown key (expected one of: name, seed, search_space..."),
    ("name: x\n1: 2\n", "1: unknown key (expected one of: name, seed, ..."),
    ("name: x\nnull: 2\n", "null: unknown key (expected one of: name, seed, ..."),
    ("name: x\nmutation: {true: 2}\n", "mutation.true: unknown key (expected one of: insert..."),
    ("nmae: x\n", "nmae: unknown key; did you mean 'name'?"),
    # missing and wrongly typed values
    ("seed: 0\n", "name: missing required key"),
    ("name: 5\n", "name: must be a string, got 5"),
    ("name: my run\n", "name: must be letters, digits, '_', '.' or '-' (it names the run..."),
    ("name: ..\n", "name: must be letters, digits, '_', '.' or '-' (it names the run..."),
    ("name: x\npopulation: lots\n", "population: must be a whole number, got 'lots'"),
    ("name: x\npopulation: 2.5\n", "population: must be a whole number, got 2.5"),
    ("name: x\npopulation: yes\n", "population: must be a whole number, got true"),
    ("name: x\nbudget: {max_evaluations: many}\n",
     "budget.max_evaluations: must be a whole number or null, got 'many'"),
    ("name: x\nmutation: 5\n", "mutation: must be a mapping of keys to values, got 5"),
    ("name: x\nhurdle: 0.25\n", "hurdle: must be a mapping of keys to values or null, got 0.25"),
    ("name: x\ntasks: digits_mlp\n", "tasks: must be a list, got 'digits_mlp'"),
    ("name: x\ntasks: [5]\n", "tasks[0]: must be a mapping of keys to values, got 5"),
    ("name: x\nout: ''\n", "out: must not be empty; use null for runs/<name>"),
    # out of range
    ("name: x\nseed: -1\n", "seed: must be at least 0, got -1"),
    ("name: x\npopulation: 1\n", "population: must be at least 2, got 1"),
    ("name: x\ntournament: 0\n", "tournament: must be at least 1, got 0"),
    ("name: x\ntournament: 200\n", "tournament: must be at most population (100), got 200"),
    ("name: x\npopulation: 5\n",
     "tournament: must be at most population (5), got 10 (the default)"),
    ("name: x\nmutation: {redraw_prob: 1.5}\n", "mutation.redraw_prob: must be at most 1, got 1.5"),
    ("name: x\nmutation: {insert: -1}\n", "mutation.insert: must be at least 0, got -1"),
    ("name: x\nmutation: {max_tries: 0}\n", "mutation.max_tries: must be at least 1, got 0"),
    ("name: x\nmutation: {insert: 0, delete: 0, modify: 0}\n",
     "mutation: the insert, delete and modify weights are all 0, so nothing can mutate"),
    ("name: x\nbudget: {max_evaluations: null}\n",
     "budget: set max_evaluations, max_seconds or both, or the search never stops"),
    ("name: x\nbudget: {max_seconds: 0}\n", "budget.max_seconds: must be greater than 0, got 0"),
    ("name: x\nbudget: {max_seconds: .inf}\n",
     "budget.max_seconds: must be a finite number, got inf"),
    ("name: x\nrestarts: {plateau: 0}\n", "restarts.plateau: must be at least 1, got 0"),
    ("name: x\nhurdle: {fraction: 1.0}\n", "hurdle.fraction: must be less than 1, got 1.0"),
    ("name: x\nhurdle: {quantile: -0.1}\n", "hurdle.quantile: must be at least 0, got -0.1"),
    ("name: x\ncheckpoint_every: 50\n", "checkpoint_every: this key was removed..."),
    ("name: x\nfitness: {lr_factors: [1, 3, 1]}\n",
     "fitness.lr_factors[2]: repeats 1; list each factor once"),
    ("name: x\nfitness: {lr_factors: [0, 1]}\n",
     "fitness.lr_factors[0]: must be greater than 0, got 0"),
    ("name: x\nfitness: {lr_factors: []}\n", "fitness.lr_factors: must not be empty"),
    ("name: x\nfitness: {lr_proportional: maybe}\n",
     "fitness.lr_proportional: must be true or false, got 'maybe'"),
    # choices
    ("name: x\nbackend: {kind: rey}\n", "backend.kind: must be 'local' or 'ray', got 'rey'"),
    ("name: x\nrestarts: {from: worst}\n", "restarts.from: must be 'best' or 'seed', got 'worst'"),
    ("name: x\nbackend: {workers: 0}\n", "backend.workers: must be at least 1 (or 'auto'), got 0"),
    ("name: x\nbackend: {workers: many}\n",
     "backend.workers: must be a whole number or 'auto', got 'many'"),
    ("name: x\nbackend: {address: 'head:6379'}\n",
     "backend.address: only applies with kind 'ray', but kind is 'local'"),
    ("name: x\nbackend: {kind: ray, address: ' '}\n",
     "backend.address: must not be empty; use null to start a local Ray instance"),
    # tasks
    ("name: x\ntasks: [{name: digit_mlp}]\n",
     "tasks[0].name: unknown task 'digit_mlp'; did you mean 'digits_mlp'?"),
    ("name: x\ntasks: [{name: resnet}]\n",
     "tasks[0].name: unknown task 'resnet' (known: cancer_mlp, digits_mlp..."),
    ("name: x\ntasks: [{name: digits_cnn}]\n",
     "tasks[0].name: 'digits_cnn' is a held-out task: campaigns may not train on it"),
    ("name: x\ntasks: [{name: digits_mlp, size: 5}]\n",
     "tasks[0].size: must be 1, 10 or 100, got 5"),
    ("name: x\ntasks: []\n", "tasks: must not be empty"),
    ("name: x\ntasks: [{name: digits_mlp}, {name: digits_mlp, size: 1}]\n",
     "tasks[1]: repeats tasks[0] (digits_mlp, size 1); list each task once"),
    # search space
    ("name: x\nsearch_space: lion4\n",
     "search_space: unknown search space 'lion4'; did you mean 'lion45'?..."),
    ("name: x\nsearch_space: 4\n", "search_space: must be a string, got 4"),
    # the file itself
    ("", "the file is empty; a campaign config needs at least 'name'"),
    ("# only a comment\n", "the file is empty; a campaign config needs at least 'name'"),
    ("- name: x\n", "the top level must be a mapping of keys to values, got a list"),
    ("just words\n", "the top level must be a mapping of keys to values, got 'just words'"),
    ("name: x\npopulation: [1\n", "not valid YAML at line 3, column 1: expected ',' or ']'..."),
    ("name: x\n  seed: 1\n",
     "not valid YAML at line 2, column 7: mapping values are not allowed here"),
    ("name: x\npopulation: 8\npopulation: 9\n",
     "not valid YAML at line 3, column 1: the key 'population' is given twice (first on line 2)"),
    ("name: x\nbudget:\n  max_seconds: 1\n  max_seconds: 2\n",
     "not valid YAML at line 4, column 3: the key 'max_seconds' is given twice (first on line 3)"),
]  # fmt: skip


def check(message: str, source: str, expected: str) -> None:
    assert "\n" not in message
    assert "Traceback" not in message and "pydantic" not in message
    if expected.endswith("..."):
        assert message.startswith(f"{source}: {expected[:-3]}"), message
    else:
        assert message == f"{source}: {expected}"


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS)
def test_bad_config_is_one_line_naming_file_key_and_mistake(tmp_path, text, expected):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SymoptError) as err:
        load_config(path)
    check(str(err.value), str(path), expected)


def test_the_table_covers_enough_mistakes():
    assert len(BAD_CONFIGS) >= 20


def test_not_utf8(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"name: x\n# caf\xe9\n")
    with pytest.raises(SymoptError) as err:
        load_config(path)
    check(str(err.value), str(path), "not UTF-8 text: byte 0xe9 on line 2 cannot be decoded...")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(SymoptError) as err:
        load_config(tmp_path / "nope.yaml")
    check(str(err.value), str(tmp_path / "nope.yaml"), "no such file")
    with pytest.raises(SymoptError) as err:
        load_config(tmp_path)
    check(str(err.value), str(tmp_path), "is a directory, not a config file")


def test_missing_search_space_file_names_the_resolved_path(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nsearch_space: spaces/mine.yaml\n", encoding="utf-8")
    with pytest.raises(SymoptError) as err:
        load_config(path)
    missing = tmp_path.resolve() / "spaces" / "mine.yaml"
    check(str(err.value), str(path), f"search_space: {missing}: no such search space file")


def test_bad_search_space_file_is_reported_through_the_config(tmp_path):
    (tmp_path / "space.yaml").write_text("name: s\nops: {}\n", encoding="utf-8")
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nsearch_space: space.yaml\n", encoding="utf-8")
    with pytest.raises(SymoptError) as err:
        load_config(path)
    check(str(err.value), str(path), "search_space: ...")
    assert "missing key 'seed'" in str(err.value)


def test_a_seed_program_is_read_relative_to_the_config_and_must_fit_the_space(tmp_path):
    (tmp_path / "mine.txt").write_text(
        "def train(w, g, m, lr):\n    m = interp(g, m, 0.9)\n    u = m * lr\n    return u, m\n"
    )
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nseed_program: mine.txt\n", encoding="utf-8")
    space = load_config(path).load_search_space()
    assert (space.name, space.state_slots, space.seed.states) == ("lion45", 1, ("m",))
    (tmp_path / "matrix.txt").write_text(
        "def train(w, g, lr):\n    u = orthogonalize(g)\n    u = u * lr\n    return u\n"
    )
    for text, expected in [
        ("seed_program: missing.txt", f"seed_program: {tmp_path / 'missing.txt'}: no such file"),
        ("seed_program: matrix.txt",
         "seed_program: uses orthogonalize, which search space lion45 does not hold"),
    ]:  # fmt: skip
        path.write_text(f"name: x\n{text}\n", encoding="utf-8")
        with pytest.raises(SymoptError) as err:
            load_config(path)
        check(str(err.value), str(path), expected)
