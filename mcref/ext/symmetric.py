"""Extension: the gradient of a function of a symmetric matrix, and a pitfall in other references.

For f defined on symmetric matrices, let G be the ordinary gradient of f
computed as if every entry of A were free (G_ij = ∂f/∂A_ij). Two candidates are
in circulation for "the gradient with respect to a symmetric A":

* sym(G) = (G + Gᵀ)/2: the gradient on the space of symmetric matrices with the
  Frobenius inner product. For every symmetric direction S,
  df(A)[S] = ⟨sym(G), S⟩, and sym(G) is itself symmetric.
* G + Gᵀ − I ⊗ G (⊗ element-wise, so I ⊗ G keeps only G's diagonal), which
  the Matrix Cookbook and several textbooks give as the "symmetric gradient";
  the Cookbook writes it G + Gᵀ − G ∘ I, with ∘ for the element-wise product,
  a symbol this site keeps for composition. Its entries are the partial derivatives of f with
  respect to the free parameters a_ij (i ≤ j) of A, which is a different
  object: ⟨G + Gᵀ − I ⊗ G, S⟩ is not the directional derivative along S, and a
  gradient step with it moves every off-diagonal entry twice as far as it
  should.

Both functions below take G (a square matrix) and return the candidate; the
test suite and the site show which one agrees with finite differences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.validate import FloatArray

__all__ = ["cookbook_symmetric_gradient", "directional_derivative", "symmetric_gradient"]


def _square(name: str, value: ArrayLike) -> FloatArray:
    arr = validate.matrix(name, value)
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got an array of shape {arr.shape}")
    return arr


def symmetric_gradient(G: ArrayLike) -> FloatArray:
    """The gradient on symmetric matrices: sym(G) = (G + Gᵀ)/2.

    Args:
        G: The unconstrained gradient ∂f/∂A_ij, an n by n matrix.

    Returns:
        The symmetric n by n matrix (G + Gᵀ)/2.

    Examples:
        >>> from mcref.ext.symmetric import symmetric_gradient
        >>> print(symmetric_gradient([[1.0, 4.0], [0.0, 3.0]]))
        [[1. 2.]
         [2. 3.]]
    """
    g = _square("G", G)
    return (g + g.T) / 2


def cookbook_symmetric_gradient(G: ArrayLike) -> FloatArray:
    """The "symmetric gradient" G + Gᵀ − I ⊗ G of the Matrix Cookbook: NOT a gradient.

    Its off-diagonal entries are twice those of
    [`symmetric_gradient`][mcref.ext.symmetric.symmetric_gradient]. It is the
    vector of partials with respect to the free entries a_ij, i ≤ j, written
    as a matrix; paired with a symmetric direction through the Frobenius inner
    product it counts each off-diagonal pair twice. Here ⊗ is the element-wise
    product, so I ⊗ G = diag(diag(G)); the Cookbook writes the same matrix
    G + Gᵀ − G ∘ I.

    Args:
        G: The unconstrained gradient ∂f/∂A_ij, an n by n matrix.

    Returns:
        The n by n matrix G + Gᵀ − diag(diag(G)).

    Examples:
        >>> from mcref.ext.symmetric import cookbook_symmetric_gradient
        >>> print(cookbook_symmetric_gradient([[1.0, 4.0], [0.0, 3.0]]))
        [[1. 4.]
         [4. 3.]]

        The formula term by term, with `np.eye(2) * G` for I ⊗ G:

        >>> import numpy as np
        >>> G = np.array([[1.0, 4.0], [0.0, 3.0]])
        >>> print(G + G.T - np.eye(2) * G)
        [[1. 4.]
         [4. 3.]]
    """
    g = _square("G", G)
    return g + g.T - np.diag(np.diag(g))


def directional_derivative(
    f: Callable[[FloatArray], Any], A: ArrayLike, S: ArrayLike, *, step: float = 1e-6
) -> float:
    """The slope of t ↦ f(A + tS) at t = 0, by a central difference.

    Args:
        f: A function of a square matrix returning a real number.
        A: The point, an n by n matrix.
        S: The direction, an n by n matrix.
        step: The step t of the central difference.

    Returns:
        (f(A + tS) − f(A − tS)) / 2t.

    Examples:
        >>> import numpy as np
        >>> from mcref.ext.symmetric import directional_derivative
        >>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
        >>> print(round(directional_derivative(np.trace, A, np.eye(2)), 6))
        2.0
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    a = _square("A", A)
    s = _square("S", S)
    if a.shape != s.shape:
        raise ValueError(f"A and S must have the same shape, got {a.shape} and {s.shape}")
    t = validate.positive_float("step", step)
    plus = validate.scalar("f(A + tS)", f(a + t * s))
    minus = validate.scalar("f(A - tS)", f(a - t * s))
    return (plus - minus) / (2 * t)
