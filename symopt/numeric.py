"""Constants as the programs' arithmetic sees them."""

from __future__ import annotations

import numpy as np


def float32(value: float) -> np.float32:
    """``value`` as float32; beyond float32's range that is +-inf (a constant like 1e39 is
    legal program text), without numpy's overflow warning."""
    with np.errstate(over="ignore"):
        return np.float32(value)
