"""Rules by kind: write the one piece a kind needs, get the Jacobian, the VJP and their checks.

Most rules belong to a kind whose Jacobian has a known structure. Rather than
computing the Jacobian and the vector-Jacobian product (VJP) by hand, a rule
of a kind states the one piece the structure needs, in the spirit of
autograd's `defvjp` table and JAX's `deflinear`:

* [`elementwise`][mcref.core.kinds.elementwise]: y_i reads only the i-th entry
  of the variable (the paper's element-wise diagonal condition, R5). Give the
  element-wise derivative, the vector of ∂y_i/∂x_i; the Jacobian is its
  diagonal matrix and the VJP multiplies v by it entry by entry.
* [`reduction`][mcref.core.kinds.reduction]: y is a number (a sum, a dot
  product). Give the gradient, shaped like the variable; the Jacobian is the
  gradient as a row and the VJP is v times the gradient.
* [`linear`][mcref.core.kinds.linear]: y = A x for a matrix A that does not
  depend on x. Give A; the Jacobian is A and the VJP is Aᵀv.

Each helper returns a [`Kind`][mcref.core.kinds.Kind]; its two decorators
register the public Jacobian and VJP functions. The decorated functions are
the documentation only (signature and docstring, with its example): their
bodies are empty, and the kind supplies the computation. Arguments are checked
by the forward function: each call first runs `forward` on its arguments, so a
wrong shape or a point outside the domain fails with the forward function's
message. The registry then wraps both in its non-finite guard, and the generic
tests verify them like any rule.

Examples:
    A trial rule, y = x³ entry by entry:

    >>> from mcref.core import validate
    >>> from mcref.core.kinds import elementwise
    >>> from mcref.core.registry import Arg, unregister
    >>> def cube(x):
    ...     return validate.vector("x", x) ** 3
    >>> cube_rule = elementwise(
    ...     "X900", title="cube", forward=cube, wrt="x", derivative=lambda x: 3 * x**2,
    ...     latex=r"\\operatorname{diag}(3 \\mathbf{x}^2)", args={"x": Arg()},
    ... )
    >>> @cube_rule.jacobian
    ... def jac_cube(x):
    ...     '''The Jacobian of x³: diag(3x²).'''
    >>> @cube_rule.vjp
    ... def vjp_cube(v, x):
    ...     '''Its VJP: v ⊗ 3x².'''
    >>> print(jac_cube([1.0, 2.0]))
    [[ 3.  0.]
     [ 0. 12.]]
    >>> print(vjp_cube([1.0, -1.0], [1.0, 2.0]))
    [  3. -12.]
    >>> import mcref
    >>> print(mcref.check_rule("X900", 3).ok, mcref.check_vjp("X900", 3).ok)
    True True
    >>> _ = unregister("X900")
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, Dim, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = ["Kind", "elementwise", "linear", "reduction"]

F = TypeVar("F", bound=Callable[..., Any])
Point = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """A rule of a known kind, waiting for its public functions.

    Made by [`elementwise`][mcref.core.kinds.elementwise],
    [`reduction`][mcref.core.kinds.reduction] or
    [`linear`][mcref.core.kinds.linear]; decorate the Jacobian's stub with
    [`jacobian`][mcref.core.kinds.Kind.jacobian] and the VJP's with
    [`vjp`][mcref.core.kinds.Kind.vjp].

    Attributes:
        id: The rule ID.
        forward: The forward function; it checks the arguments.
        closed_form: The Jacobian at a checked point (float64 arrays by name).
        backprop: The VJP, `backprop(v, point, name)`; `name` is the cotangent's
            parameter name, for error messages.
        registration: The keyword arguments of [`rule`][mcref.core.registry.rule].
        vjp_latex: The VJP as a formula, for the rule's page.
    """

    id: str
    forward: Callable[..., Any]
    closed_form: Callable[[Point], FloatArray]
    backprop: Callable[[Any, Point, str], FloatArray]
    registration: Mapping[str, Any] = field(default_factory=dict)
    vjp_latex: str = ""

    def jacobian(self, stub: F) -> F:
        """Register the rule, with `stub`'s name, signature and docstring for its closed form."""
        signature = inspect.signature(stub)

        @functools.wraps(stub)
        def jacobian(*args: Any, **kwargs: Any) -> FloatArray:
            return self.closed_form(_checked(self.forward, signature.bind(*args, **kwargs).arguments))

        return rule(self.id, **self.registration)(jacobian)  # type: ignore[return-value]

    def vjp(self, stub: F) -> F:
        """Attach the VJP, with `stub`'s name, signature (the cotangent first: `v`, `delta`, ...) and docstring."""
        signature = inspect.signature(stub)

        @functools.wraps(stub)
        def vjp(*args: Any, **kwargs: Any) -> FloatArray:
            point = dict(signature.bind(*args, **kwargs).arguments)
            name = next(iter(signature.parameters))
            v = point.pop(name)
            return self.backprop(v, _checked(self.forward, point), name)

        return vjp_of(self.id, latex=self.vjp_latex)(vjp)  # type: ignore[return-value]


def elementwise(
    id: str,
    *,
    title: str,
    forward: Callable[..., Any],
    wrt: str,
    derivative: Callable[..., ArrayLike],
    latex: str,
    vjp_latex: str | None = None,
    diagonal_latex: str | None = None,
    args: Mapping[str, Arg],
    section: str = "",
    conditions: str = "",
    domain: Callable[..., bool] | None = None,
) -> Kind:
    """An element-wise rule, from its element-wise derivative.

    Args:
        id: The rule ID, e.g. `"R10"`.
        title: Short name of the rule.
        forward: The forward function; it checks the arguments.
        wrt: The variable, a vector argument of `forward`.
        derivative: Called with the forward function's arguments by name, as
            float64 arrays (numbers for scalar arguments); returns the vector
            of ∂y_i/∂wrt_i, the diagonal of the Jacobian (a number for a
            constant diagonal).
        latex: The statement; a diagonal matrix is its own transpose, so it
            serves both layouts.
        vjp_latex: The VJP as a formula; by default `v ⊗` the diagonal, when
            `diagonal_latex` is given.
        diagonal_latex: The diagonal as a LaTeX vector, e.g. `\\mathbf{x}`.
        args: Shape and sampling domain of every argument of `forward`.
        section: The paper's section(s); empty for an extension.
        conditions: Assumptions, markdown.
        domain: Optional predicate on a point, as in
            [`rule`][mcref.core.registry.rule].

    Returns:
        The rule's [`Kind`][mcref.core.kinds.Kind]: the Jacobian is
        diag(derivative), shape `(n, n)`, and the VJP is `v ⊗ derivative`.
    """
    if vjp_latex is None and diagonal_latex is not None:
        vjp_latex = rf"J^\top \mathbf{{v}} = \mathbf{{v}} \otimes {diagonal_latex}"

    def diagonal(point: Point) -> FloatArray:
        # a constant derivative (1, -1) may come back as a number
        return np.broadcast_to(np.asarray(derivative(**point), dtype=np.float64), point[wrt].shape).copy()

    def backprop(v: Any, point: Point, name: str) -> FloatArray:
        d = diagonal(point)
        return validate.cotangent(v, d.shape[0], forward.__name__, name=name) * d

    return Kind(
        id,
        forward,
        lambda point: np.diag(diagonal(point)),
        backprop,
        dict(title=title, section=section, forward=forward, wrt=wrt, latex=latex, shape=(args[wrt].shape[0],) * 2,
             args=args, conditions=conditions, domain=domain),
        vjp_latex or "",
    )


def reduction(
    id: str,
    *,
    title: str,
    forward: Callable[..., Any],
    wrt: str,
    gradient: Callable[..., ArrayLike],
    latex: str,
    latex_denominator: str | None = None,
    vjp_latex: str = "",
    args: Mapping[str, Arg],
    section: str = "",
    conditions: str = "",
    domain: Callable[..., bool] | None = None,
) -> Kind:
    """A rule whose forward function returns a number, from its gradient.

    `gradient` is called like `derivative` in
    [`elementwise`][mcref.core.kinds.elementwise] and returns ∂y/∂wrt shaped
    like the variable, a vector of length n (a number for a constant
    gradient). The Jacobian is that gradient as a `(1, n)` row (numerator
    layout) and the VJP is the number `v` times it. The other arguments are
    those of `elementwise`; `latex_denominator` states the gradient as a column.
    """

    def grad(point: Point) -> FloatArray:
        return np.broadcast_to(np.asarray(gradient(**point), dtype=np.float64), point[wrt].shape).copy()

    return Kind(
        id,
        forward,
        lambda point: grad(point)[None, :],
        lambda v, point, name: validate.scalar_cotangent(v, name=name) * grad(point),
        dict(title=title, section=section, forward=forward, wrt=wrt, latex=latex,
             latex_denominator=latex_denominator, shape=(1, args[wrt].shape[0]), args=args,
             conditions=conditions, domain=domain),
        vjp_latex,
    )


def linear(
    id: str,
    *,
    title: str,
    forward: Callable[..., Any],
    wrt: str,
    matrix: Callable[..., ArrayLike],
    latex: str,
    latex_denominator: str | None = None,
    vjp_latex: str = "",
    shape: tuple[Dim, Dim],
    args: Mapping[str, Arg],
    section: str = "",
    conditions: str = "",
    domain: Callable[..., bool] | None = None,
) -> Kind:
    """A rule y = A wrt, linear in the variable, from its matrix A.

    `matrix` is called like `derivative` in
    [`elementwise`][mcref.core.kinds.elementwise] and returns A, of shape
    `shape` = (m, n); it must not depend on the variable. The Jacobian is A
    and the VJP is Aᵀv, shaped like the variable (a vector of length n).
    """

    def jac(point: Point) -> FloatArray:
        return np.asarray(matrix(**point), dtype=np.float64)

    def backprop(v: Any, point: Point, name: str) -> FloatArray:
        A = jac(point)
        return validate.cotangent(v, A.shape[0], forward.__name__, name=name) @ A

    return Kind(
        id,
        forward,
        jac,
        backprop,
        dict(title=title, section=section, forward=forward, wrt=wrt, latex=latex,
             latex_denominator=latex_denominator, shape=shape, args=args, conditions=conditions, domain=domain),
        vjp_latex,
    )


def _checked(forward: Callable[..., Any], point: Mapping[str, Any]) -> Point:
    """The arguments by name, checked by the forward function, as float64 arrays (0-d for scalars)."""
    forward(**point)  # the forward function's checks: shapes, lengths, finiteness, domain
    return {name: np.asarray(value, dtype=np.float64) for name, value in point.items()}
