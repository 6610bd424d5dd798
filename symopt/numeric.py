"""Constants as the programs' arithmetic sees them."""

from __future__ import annotations

import numpy as np


def float32(value: float) -> np.float32:
    """``value`` as float32; beyond float32's range that is +-inf (a constant like 1e39 is
    legal program text), without numpy's overflow warning."""
    if abs(value) < _ROUNDS_TO_INF or value != value:
        return np.float32(value)
    return np.float32(np.inf if value > 0 else -np.inf)


# The smallest magnitude that float32 rounds to infinity: its largest value plus half an ulp.
_ROUNDS_TO_INF = 2.0**128 * (1 - 2.0**-25)
