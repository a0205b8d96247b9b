"""Overflow-free elementary functions that several rule modules compute.

They take arrays that the caller has already validated and return float64
arrays; none of them raises or returns inf or NaN for finite input.
"""

from __future__ import annotations

import numpy as np

from mcref.core.validate import FloatArray

__all__ = ["sigmoid"]


def sigmoid(x: FloatArray) -> FloatArray:
    """σ(x) = 1 / (1 + e^(−x)) without overflow: e^t is only ever taken for t = −|x| <= 0.

    Examples:
        >>> import numpy as np
        >>> from mcref.core.stable import sigmoid
        >>> print(sigmoid(np.array([-800.0, 0.0, 800.0])))
        [0.  0.5 1. ]
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
