"""The Cookbook's structured matrices (2.8): both readings of a structured derivative, checked.

The generic sweep checks each rule of mcref.cookbook.structured at the first position of each
parameter (where its forward function reads it). What it cannot see is checked here:

* reading R1, the book's: its matrix holds the partial derivative of each parameter at *every*
  position of that parameter, not only the first;
* reading R2: the projection of the free gradient onto the structure lies in the structure and
  pairs with every structured direction to give the slope of f along it, while the book's
  matrix does so only for a diagonal structure (one position per parameter).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import mcref
from mcref.cookbook.structured import Structure, alpha

N = 4
STEP = 1e-6


def _symmetric_book(G: np.ndarray) -> np.ndarray:
    return G + G.T - np.diag(np.diag(G))  # (138)


def _toeplitz_book(G: np.ndarray) -> np.ndarray:
    return alpha(G.T)  # (143): G = A^T for Tr(AT), and alpha(A) sums the diagonals of A^T


def _symmetric_toeplitz_book(G: np.ndarray) -> np.ndarray:
    a = alpha(G.T)
    return a + a.T - a * np.eye(a.shape[0])  # (144)


def _logdet(X: np.ndarray) -> float:
    return float(np.linalg.slogdet(X)[1])


# rule: (structure, f with free entries given the rule's other arguments, the book's matrix from G)
CASES: dict[str, tuple[Callable[[int], Structure], Callable[..., Callable[[np.ndarray], float]], Callable]] = {
    "MC138": (Structure.symmetric, lambda a, b, **_: lambda X: a @ X @ X @ b, _symmetric_book),
    "MC139": (Structure.symmetric, lambda A, **_: lambda X: np.trace(A @ X), _symmetric_book),
    "MC140": (Structure.symmetric, lambda **_: np.linalg.det, _symmetric_book),
    "MC141": (Structure.symmetric, lambda **_: _logdet, _symmetric_book),
    "MC142": (Structure.diagonal, lambda A, **_: lambda X: np.trace(A @ X), lambda G: G * np.eye(G.shape[0])),
    "MC143.1": (Structure.toeplitz, lambda A, **_: lambda X: np.trace(A @ X), _toeplitz_book),
    "MC143.2": (Structure.toeplitz, lambda A, **_: lambda X: np.trace(X @ A), _toeplitz_book),
    "MC144.1": (Structure.symmetric_toeplitz, lambda A, **_: lambda X: np.trace(A @ X), _symmetric_toeplitz_book),
    "MC144.2": (Structure.symmetric_toeplitz, lambda A, **_: lambda X: np.trace(X @ A), _symmetric_toeplitz_book),
}


def _setup(rule_id: str, seed: int):
    make, free, book = CASES[rule_id]
    r = mcref.get_rule(rule_id)
    structure = make(N)
    point = r.sample(np.random.default_rng(seed), dict.fromkeys(r.dimensions, N))
    point["X"] = structure.read(point["X"])  # a structured point: the forward function reads it whole
    others = {k: np.asarray(v, dtype=np.float64) for k, v in point.items() if k != "X"}
    f = free(**others)
    G = mcref.numerical_jacobian(f, point["X"]).reshape(N, N)  # every entry free
    return r, structure, point, f, G, book(G)


@pytest.mark.parametrize("rule_id", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_the_book_matrix_holds_each_parameter_partial_at_every_position(rule_id: str, seed: int) -> None:
    r, structure, point, _, G, book = _setup(rule_id, seed)
    numeric = mcref.numerical_jacobian(r.forward, wrt="X", **point).reshape(N, N)
    partials = numeric[structure.rows, structure.cols]  # ∂f/∂θ_k, read where the forward reads θ_k
    np.testing.assert_allclose(structure.spread(partials), book, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(structure.parameter_gradient(G), book, rtol=1e-5, atol=1e-6)
    # and the rule's closed form is the same matrix at the first positions
    closed = np.asarray(r.derivative(**point)).reshape(N, N)
    np.testing.assert_allclose(closed, structure.at_first_positions(book), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rule_id", CASES)
def test_the_gradient_inside_the_structure_is_the_projection_and_the_book_matrix_is_not(rule_id: str) -> None:
    r, structure, point, _, G, book = _setup(rule_id, 2)
    D = structure.frobenius_gradient(G)
    np.testing.assert_allclose(structure.read(D), D, atol=1e-12)  # D lies in the structure
    rng = np.random.default_rng(3)
    one_position = bool(np.all(structure.counts == 1))
    for _ in range(3):
        E = structure.matrix(rng.uniform(-1, 1, size=structure.basis.shape[0]))  # a structured direction
        plus = r.forward(**{**point, "X": point["X"] + STEP * E})
        minus = r.forward(**{**point, "X": point["X"] - STEP * E})
        slope = (plus - minus) / (2 * STEP)
        assert np.isclose(np.sum(D * E), slope, rtol=1e-5, atol=1e-6), (np.sum(D * E), slope)
        # the book's matrix pairs to the slope only when every parameter has one position (diagonal)
        assert np.isclose(np.sum(book * E), slope, rtol=1e-5, atol=1e-6) == one_position, rule_id


def test_the_symmetric_projection_is_the_average_of_g_and_its_transpose() -> None:
    G = np.random.default_rng(0).normal(size=(N, N))
    np.testing.assert_allclose(Structure.symmetric(N).frobenius_gradient(G), (G + G.T) / 2)
    # and the book's matrix doubles it off the diagonal
    np.testing.assert_allclose(
        Structure.symmetric(N).parameter_gradient(G), 2 * (G + G.T) / 2 - np.diag(np.diag(G)), atol=1e-12
    )


@pytest.mark.parametrize(
    ("make", "count"),
    [
        (Structure.symmetric, lambda n: n * (n + 1) // 2),
        (Structure.diagonal, lambda n: n),
        (Structure.toeplitz, lambda n: 2 * n - 1),
        (Structure.symmetric_toeplitz, lambda n: n),
    ],
)
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_a_structure_is_a_basis_of_disjoint_patterns_read_at_first_positions(make, count, n: int) -> None:
    s = make(n)
    k = count(n)
    assert s.basis.shape == (k, n, n)
    assert set(np.unique(s.basis)) <= {0.0, 1.0}
    assert s.basis.sum(axis=0).max() == 1  # each position belongs to one parameter at most
    theta = np.random.default_rng(n).uniform(-1, 1, size=k)
    X = s.matrix(theta)
    np.testing.assert_array_equal(s.parameters(X), theta)
    np.testing.assert_array_equal(s.read(X), X)
    # the first position of each parameter comes first in row-major order among its positions
    flat = s.basis.reshape(k, -1)
    np.testing.assert_array_equal(flat.argmax(axis=1), s.rows * n + s.cols)


def test_structures_have_the_expected_patterns() -> None:
    np.testing.assert_array_equal(Structure.toeplitz(3).matrix([1, 2, 3, 4, 5]), [[3, 4, 5], [2, 3, 4], [1, 2, 3]])
    np.testing.assert_array_equal(Structure.symmetric_toeplitz(3).matrix([1, 2, 3]), [[1, 2, 3], [2, 1, 2], [3, 2, 1]])
    np.testing.assert_array_equal(Structure.symmetric(2).matrix([1, 2, 3]), [[1, 2], [2, 3]])


def test_alpha_sums_the_diagonals_of_a_transpose() -> None:
    A = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(alpha(A), [[12, 10, 6], [6, 12, 10], [2, 6, 12]])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Structure.symmetric(0), r"n must be >= 1, got 0"),
        (lambda: Structure.symmetric(2).read(np.eye(3)), r"X must have shape \(2, 2\) for this structure, got shape"),
        (lambda: Structure.toeplitz(2).matrix([1.0, 2.0]), "theta must have length 3 .*got length 2"),
        (lambda: Structure.diagonal(2).partials([[1.0, np.nan], [0.0, 1.0]]), "G must be finite"),
        (lambda: alpha(np.ones((2, 3))), r"A must be a square matrix, got shape \(2, 3\)"),
    ],
)
def test_bad_structure_input_is_refused_by_name(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
