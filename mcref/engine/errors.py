"""The one error the engine raises: `DeriveError`, a `ValueError` that names the position in the input."""

from __future__ import annotations

__all__ = ["DeriveError"]


class DeriveError(ValueError):
    """The expression cannot be derived: bad syntax, an unknown name or function, a shape mismatch,
    or (never expected) a derived formula that failed its exact check.

    Messages about the input start with `col N:`, the 1-based column in the text as typed.

    Examples:
        >>> from mcref.engine import DeriveError, derive
        >>> try:
        ...     derive("A @ x + y", "x", "A: m×n; x: n; y: k")
        ... except DeriveError as err:
        ...     print(err)
        col 1: A @ x + y needs A @ x (m) and y (k) to have the same shape; got A @ x: m and y: k
    """
