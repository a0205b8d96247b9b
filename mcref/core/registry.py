"""The rule registry: every rule of the reference, paired with its closed form.

A rule is a pair of functions, the *forward* function being differentiated and
the *closed-form derivative*, plus what a reader and a test need to know about
it: a stable ID, a title, the paper section, the variable, the LaTeX statement in
both layouts, the shape of the result and the domain of each argument. Rule
modules register their derivatives with the [`rule`][mcref.core.registry.rule]
decorator; the tests, the site and the checks all read this one table.

**Rules by kind.** Most rules belong to a kind whose Jacobian has a known structure. Rather than
computing the Jacobian and the vector-Jacobian product (VJP) by hand, a rule
of a kind states the one piece the structure needs, in the spirit of
autograd's `defvjp` table and JAX's `deflinear`:

* [`elementwise`][mcref.core.registry.elementwise]: y_i reads only the i-th entry
  of the variable (the paper's element-wise diagonal condition, R5). Give the
  element-wise derivative, the vector of ∂y_i/∂x_i; the Jacobian is its
  diagonal matrix and the VJP multiplies v by it entry by entry.
* [`reduction`][mcref.core.registry.reduction]: y is a number (a sum, a dot
  product). Give the gradient, shaped like the variable; the Jacobian is the
  gradient as a row and the VJP is v times the gradient.
* [`linear`][mcref.core.registry.linear]: y = A x for a matrix A that does not
  depend on x. Give A; the Jacobian is A and the VJP is Aᵀv.
* [`along_curve`][mcref.core.registry.along_curve]: a differential identity
  dF = L(X, dX), checked as the derivative of F along a curve X(t). Give
  F at the curve's point and the rate dF/dt the identity predicts.
* [`hessian`][mcref.core.registry.hessian]: the Hessian of a scalar function,
  checked as the Jacobian of its gradient. Give the gradient and H.

Each helper returns a [`Kind`][mcref.core.registry.Kind]; its two decorators
register the public Jacobian and VJP functions. The decorated functions are
the documentation only (signature and docstring, with its example): their
bodies are empty, and the kind supplies the computation. Arguments are checked
by the forward function: each call first runs `forward` on its arguments, so a
wrong shape or a point outside the domain fails with the forward function's
message. The registry then wraps both in its non-finite guard, and the generic
tests verify them like any rule.

Examples:
    >>> import mcref
    >>> r = mcref.get_rule("R10")
    >>> r.title
    'Hadamard product, with respect to w'
    >>> r.derivative_shape({"n": 3})
    (3, 3)

    A trial rule of a kind, y = x³ entry by entry: one call and two documented stubs.

    >>> from mcref.core import validate
    >>> from mcref.core.registry import Arg, elementwise, unregister
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

import ast
import difflib
import functools
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.numerical import ATOL, RTOL, CheckResult, compare_jacobians, numerical_jacobian
from mcref.core.validate import FloatArray

__all__ = [
    "RULE_MARKER",
    "Arg",
    "Kind",
    "Rule",
    "all_rules",
    "along_curve",
    "check_rule",
    "check_vjp",
    "dim_names",
    "elementwise",
    "finite_guard",
    "flat_dim",
    "get_rule",
    "hessian",
    "linear",
    "reduction",
    "rule",
    "rule_pages",
    "shape_tex",
    "unregister",
    "vjp_of",
]

Dim = str | int
F = TypeVar("F", bound=Callable[..., Any])

_ID = re.compile(r"^[A-Z][A-Za-z]*[0-9]+(?:\.[0-9]+|u)?$")
_RULES: dict[str, Rule] = {}


@dataclass(frozen=True)
class Arg:
    """The shape and sampling domain of one argument of a rule.

    Attributes:
        shape: Symbolic shape: `()` for a scalar, `("n",)` for a vector of
            length n. Symbols are filled in from a sizes mapping.
        low: Smallest value drawn.
        high: Largest value drawn.
        min_abs: Draw only values with `|value| >= min_abs`, to stay away from
            a pole or a kink at zero (for example a divisor).
        simplex: Draw a probability vector: values from `[low, high]`, then
            divided by their sum along the last axis, so each is non-negative
            and sums to 1 (a target distribution; an all-zero draw becomes
            the uniform vector). Needs a vector shape, `low >= 0`, `high > 0`.
        symmetric: Draw a symmetric matrix: the upper triangle is drawn as
            usual and mirrored below the diagonal, so every entry keeps the
            distribution above. Needs a square shape such as `("n", "n")`.
        positive_definite: Draw a symmetric positive definite matrix: the
            drawn square matrix M becomes M Mᵀ / n + I / 2, so its
            eigenvalues are at least 1/2. Needs a square shape.
        max_condition: Draw only matrices whose condition number (2-norm) is
            at most this and whose smallest singular value is at least 1e-3,
            so that a rule with an inverse is checked where float64 and central
            differences resolve it (0, the default, means no limit). A tall
            matrix is then of full column rank. A draw above the limit has its
            leading square block shifted by (‖M‖₂ + 1) I and is scaled to a
            largest singular value of 1, so few draws are rejected. Needs a
            matrix shape.
        integer: Draw an integer from `low` to `high` inclusive, as a Python
            int (an exponent such as k in det(X^k)). Needs a scalar shape.
    """

    shape: tuple[Dim, ...] = ("n",)
    low: float = -2.0
    high: float = 2.0
    min_abs: float = 0.0
    simplex: bool = False
    symmetric: bool = False
    positive_definite: bool = False
    max_condition: float = 0.0
    integer: bool = False

    def __post_init__(self) -> None:
        if self.simplex and (self.shape == () or self.low < 0 or self.high <= 0 or self.min_abs > 0):
            raise ValueError("Arg(simplex=True) needs a vector shape, low >= 0, high > 0 and no min_abs")
        square = len(self.shape) == 2 and self.shape[0] == self.shape[1]
        if self.symmetric and not square:
            raise ValueError(f"Arg(symmetric=True) needs a square shape such as ('n', 'n'), got {self.shape}")
        if self.positive_definite and not square:
            raise ValueError(f"Arg(positive_definite=True) needs a square shape such as ('n', 'n'), got {self.shape}")
        if self.max_condition and (len(self.shape) != 2 or self.max_condition < 1):
            raise ValueError(
                f"Arg(max_condition=...) needs a matrix shape and a limit of at least 1, "
                f"got shape {self.shape} and {self.max_condition}"
            )
        if self.integer and (self.shape != () or self.min_abs or self.simplex):
            raise ValueError(f"Arg(integer=True) needs a scalar shape () and no min_abs, got shape {self.shape}")

    def accepts(self, value: Any) -> bool:
        """Whether a drawn value meets the limits that drawing alone cannot ensure (`max_condition`)."""
        if not self.max_condition:
            return True
        values = np.asarray(value, dtype=np.float64)
        if values.size == 0:
            return True
        with np.errstate(all="ignore"):
            singular = np.linalg.svd(values, compute_uv=False)
        # and no singular value below 1e-3: the step of central differences (1e-6) must stay small beside it
        return bool(singular[-1] >= 1e-3 and singular[0] <= self.max_condition * singular[-1])

    def concrete_shape(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """The shape with every symbol replaced by its size."""
        return _concrete(self.shape, sizes)

    def draw(self, rng: np.random.Generator, sizes: Mapping[str, int]) -> Any:
        """A random value of this argument: a float for a scalar, else an array."""
        shape = self.concrete_shape(sizes)
        if self.integer:
            return int(rng.integers(int(np.ceil(self.low)), int(np.floor(self.high)) + 1))
        if self.min_abs > 0:
            top = max(abs(self.low), abs(self.high))
            values = rng.uniform(self.min_abs, top, size=shape) * rng.choice([-1.0, 1.0], size=shape)
            values = np.clip(values, self.low, self.high)
        else:
            values = rng.uniform(self.low, self.high, size=shape)
        values = self.constrain(values)
        return float(values) if shape == () else values

    def constrain(self, values: Any) -> Any:
        """Give freely drawn values the argument's structure (`simplex`, `symmetric`).

        [`draw`][mcref.core.registry.Arg.draw] calls it; a test that draws entries
        its own way (hypothesis) calls it too, so both sample the same set.
        """
        if self.simplex:
            values = np.asarray(values, dtype=np.float64)
            # an all-zero draw (hypothesis tries one) becomes the uniform vector, not 0/0
            values = np.where(values.sum(axis=-1, keepdims=True) > 0, values, 1.0)
            values = values / values.sum(axis=-1, keepdims=True)
        if self.symmetric:
            values = np.triu(values) + np.triu(values, 1).T
        if self.positive_definite:
            values = np.asarray(values, dtype=np.float64)
            n = values.shape[0]
            values = values @ values.T / max(n, 1) + np.eye(n) / 2
        if self.max_condition and not self.accepts(values):
            # too close to singular: shift the leading square block by (‖M‖₂ + 1) I, which puts every
            # singular value at 1 or more and the condition number at 2‖M‖₂ + 1 or less, then scale
            # the largest singular value to 1 (a determinant of the shifted matrix would be large, and
            # central differences of a large function lose digits in its small partial derivatives)
            values = np.array(values, dtype=np.float64)
            k = min(values.shape)
            values[:k, :k] += (np.linalg.norm(values, 2) + 1) * np.eye(k)
            values /= np.linalg.norm(values, 2)
        return values


_DIM_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

RULE_MARKER = re.compile(r"^\{\{ rule ([A-Za-z]+[0-9]+(?:\.[0-9]+|u)?) \}\}[ \t]*$", re.M)
"""A line `{{ rule R10 }}` (or `{{ rule MC51.2 }}`) on a page, which places the rule there; group 1 is the ID."""


def rule_pages(pages: Mapping[str, str], rules: Sequence[Rule] | None = None) -> dict[str, str]:
    """The page of every rule: where a marker places it, else where its module's rules are.

    A page places a rule with a `{{ rule ID }}` line, in the text that explains
    it. A rule that no line places goes to the page that places most of the
    other rules of its module (the earliest such page on a tie), so a rule
    added to a module appears on that module's page, verified, without
    touching the page; a line on a page moves it into the text.

    Args:
        pages: Each page's markdown, by its path (`src_uri`).
        rules: The rules to place; every registered rule by default.

    Returns:
        `{rule ID: page path}` for every rule. A rule whose module has no rule on
        any page is left out, and the caller reports it.

    Examples:
        >>> from mcref.core.registry import rule_pages
        >>> pages = {"rules/elementwise.md": "{{ rule R10 }}", "index.md": "Home"}
        >>> rule_pages(pages)["R11"]
        'rules/elementwise.md'
    """
    rules = all_rules() if rules is None else tuple(rules)
    placed: dict[str, str] = {}
    for src, text in pages.items():
        for match in RULE_MARKER.finditer(text):
            placed.setdefault(match.group(1), src)
    order = {src: i for i, src in enumerate(pages)}
    by_module: dict[str, dict[str, int]] = {}
    for r in rules:
        if r.id in placed:
            counts = by_module.setdefault(r.derivative.__module__, {})
            counts[placed[r.id]] = counts.get(placed[r.id], 0) + 1
    out = dict(placed)
    for r in rules:
        tally = by_module.get(r.derivative.__module__, {})
        if r.id not in out and tally:
            out[r.id] = max(tally, key=lambda src: (tally[src], -order[src]))
    return out


def shape_tex(shape: tuple[Dim, ...]) -> str:
    """A symbolic shape as TeX, the way the site writes it: `("n", 1)` as `n \\times 1`, `("m*n",)` as `mn`,
    `("(n+k)*k",)` as `(n + k)k`, `("p+q", "p")` as `(p + q) \\times p`."""
    parts = [str(d).replace("*", "").replace("+", " + ") for d in shape]
    if len(parts) > 1:  # a sum beside a "×" reads as the sum: (p + q) × p, not p + q × p
        parts = [f"({p})" if "+" in p and not (p.startswith("(") and p.endswith(")")) else p for p in parts]
    return r" \times ".join(parts)


def dim_names(d: Dim) -> set[str]:
    """The dimension symbols a shape entry uses: "n" -> {n}; "m*n" -> {m, n}; 3 -> {}."""
    return set(_DIM_TOKEN.findall(d)) if isinstance(d, str) else set()


def flat_dim(shape: tuple[Dim, ...]) -> Dim:
    """The number of entries of a shape, as one dimension: `("m", "n")` -> `"m*n"`, `("n+k", "k")` -> `"(n+k)*k"`.

    The shape of a flattened matrix variable in a rule's declared Jacobian shape.
    """
    if not shape:
        return 1
    if len(shape) == 1:
        return shape[0]
    if all(isinstance(d, int) for d in shape):
        return int(np.prod([int(d) for d in shape]))
    return "*".join(f"({d})" if isinstance(d, str) and "+" in d else str(d) for d in shape)


_DIM_SYNTAX = re.compile(r"[A-Za-z0-9_+*() ]+")


def _dim_value(node: ast.expr, sizes: Mapping[str, int], text: str) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in sizes:
            raise ValueError(f"no size given for dimension {node.id!r}; sizes were {dict(sizes)}")
        return int(sizes[node.id])
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        left, right = _dim_value(node.left, sizes, text), _dim_value(node.right, sizes, text)
        return left + right if isinstance(node.op, ast.Add) else left * right
    raise ValueError(f"bad dimension {text!r}: use names and ints joined by *, + and parentheses")


def _concrete(shape: tuple[Dim, ...], sizes: Mapping[str, int]) -> tuple[int, ...]:
    """Fill in a symbolic shape. An entry is an int, a name ("n"), or names and ints joined by *, + and
    parentheses ("m*n", "n+1", "(n+k)*k") for flattened matrix variables and augmented vectors."""
    out = []
    for d in shape:
        if isinstance(d, int):
            out.append(d)
            continue
        if not _DIM_SYNTAX.fullmatch(d):
            raise ValueError(f"bad dimension {d!r}: use names and ints joined by *, + and parentheses")
        try:
            tree = ast.parse(d, mode="eval")
        except SyntaxError:
            raise ValueError(f"bad dimension {d!r}: use names and ints joined by *, + and parentheses") from None
        out.append(_dim_value(tree.body, sizes, d))
    return tuple(out)


@dataclass(frozen=True)
class Rule:
    """One rule: a forward function, a variable, and its closed-form derivative.

    Attributes:
        id: Stable ID, e.g. `"R10"`; also the anchor of the rule on the site.
        title: Short name of the rule.
        section: The paper's section(s), e.g. `"4.2, 8.2"`; empty for an
            extension.
        forward: The function being differentiated.
        wrt: Name of the argument of `forward` the derivative is taken with
            respect to.
        derivative: The closed form, called with the same arguments as
            `forward`; returns the Jacobian in numerator layout.
        latex: The statement in numerator layout (the paper's).
        latex_denominator: The statement in denominator layout.
        shape: Symbolic shape of the numerator-layout result, e.g. `("n", "n")`.
        args: Shape and sampling domain of every argument of `forward`.
        conditions: Assumptions under which the rule holds, in words (markdown
            with `$...$` math allowed).
        domain: Optional predicate on a point (called with the same keyword
            arguments as `forward`) that says whether the point is safely inside
            the rule's domain, e.g. away from a kink. Random points that fail it
            are drawn again.
        vjp: Optional vector-Jacobian product, `vjp(v, **point)`: given `v`
            shaped like the forward output, returns `vᵀJ` shaped like the
            variable, without forming `J`. Attached with
            [`vjp_of`][mcref.core.registry.vjp_of].
        vjp_latex: The VJP as a LaTeX formula, shown on the rule's page.
        keywords: The names readers search for that the title does not
            spell out (`"ReLU"`, `"MSE"`, `"weight decay"`); the site's search
            finds the rule by them as strongly as by its title.
        printed: For a rule taken from the Matrix Cookbook, its statement as
            the book prints it (LaTeX, in the book's notation and layout); the
            site shows it beside the verified statement. Empty otherwise.
    """

    id: str
    title: str
    section: str
    forward: Callable[..., Any]
    wrt: str
    derivative: Callable[..., Any]
    latex: str
    latex_denominator: str
    shape: tuple[Dim, ...]
    args: Mapping[str, Arg] = field(default_factory=dict)
    conditions: str = ""
    domain: Callable[..., bool] | None = None
    vjp: Callable[..., Any] | None = None
    vjp_latex: str = ""
    keywords: tuple[str, ...] = ()
    printed: str = ""

    @property
    def origin(self) -> str:
        """Where the rule comes from, by the layer its closed form lives in: `"paper"`
        (`mcref.paper`), `"cookbook"` (`mcref.cookbook`) or `"extension"` (anywhere else)."""
        module = self.derivative.__module__
        for layer in ("paper", "cookbook"):
            if module.startswith(f"mcref.{layer}."):
                return layer
        return "extension"

    @property
    def extension(self) -> bool:
        """True for results beyond the paper and the Cookbook: rules whose closed form lives in `mcref.ext`."""
        return self.origin == "extension"

    def derivative_shape(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """The numerator-layout shape of the derivative for the given sizes."""
        return _concrete(self.shape, sizes)

    def sample(self, rng: np.random.Generator, sizes: Mapping[str, int]) -> dict[str, Any]:
        """Random arguments for `forward` and `derivative`, inside the rule's domain."""
        for _ in range(1000):
            point = {name: spec.draw(rng, sizes) for name, spec in self.args.items()}
            if self.inside(point):
                return point
        raise RuntimeError(f"rule {self.id}: no point inside its domain in 1000 draws at sizes {dict(sizes)}")

    def layout_shapes(self) -> tuple[tuple[Dim, ...], tuple[Dim, ...]]:
        """The symbolic shape of the result in numerator and in denominator layout.

        The numerator shape is the declared `shape` and the denominator shape its
        reverse, except for the gradient of a number with respect to a matrix X:
        its denominator (gradient) layout is shaped like X, and its numerator
        layout like Xᵀ, while the check compares the `(1, mn)` row of X flattened.
        """
        variable = self.args[self.wrt].shape if self.wrt in self.args else ()
        if self.shape[0] == 1 and len(variable) == 2:
            return tuple(reversed(variable)), tuple(variable)
        return tuple(self.shape), tuple(reversed(self.shape))

    def inside(self, point: Mapping[str, Any]) -> bool:
        """Whether a point meets every argument's limits (`Arg.accepts`) and the rule's `domain`."""
        if not all(spec.accepts(point[name]) for name, spec in self.args.items()):
            return False
        return self.domain is None or bool(self.domain(**point))

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimension symbols the rule's shapes use, e.g. `("n",)`, sorted."""
        dims = [d for spec in self.args.values() for d in spec.shape] + list(self.shape)
        return tuple(sorted(set().union(*(dim_names(d) for d in dims))))

    @property
    def number(self) -> int:
        """The number of the ID, for sorting (R6 before R10; 51 for MC51 and MC51.2)."""
        return int(re.findall(r"\d+", self.id)[0])

    @property
    def prefix(self) -> str:
        """The letters of the ID: "R" for R10, "MC" for MC51.2 and MC64u."""
        return re.sub(r"\d.*$", "", self.id)

    @property
    def unnumbered(self) -> bool:
        """True for an ID `MCnnu`: the Cookbook's display without a number that follows (nn)."""
        return self.id.endswith("u")

    @property
    def form(self) -> int:
        """For an ID `MCnn.k` (the k-th form of a chained line), k; 0 for an ID without one."""
        parts = self.id.split(".")
        return int(parts[1]) if len(parts) == 2 else 0


def finite_guard(rule_id: str, fn: F) -> F:
    """`fn` wrapped so that a result that left float64 raises ValueError instead of coming back.

    Every closed form and VJP registered with [`rule`][mcref.core.registry.rule]
    or [`vjp_of`][mcref.core.registry.vjp_of] is wrapped this way, so none needs
    its own `np.errstate` block or finiteness check. Inside the call numpy's
    floating-point warnings (overflow, division by zero, invalid, underflow)
    are silenced: an overflow is reported by the check on the result, in one
    message naming the rule and the function, rather than as a RuntimeWarning
    followed by an inf. An underflow to 0 is a finite result and passes.

    The wrapper keeps the name, docstring, signature and module of `fn` (and
    `__wrapped__`, the unguarded function), so the API reference and the
    doctests see the function as written.
    """

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            result = fn(*args, **kwargs)
        _refuse_non_finite(rule_id, fn.__name__, result)
        return result

    return guarded  # type: ignore[return-value]


def _refuse_non_finite(rule_id: str, name: str, result: Any) -> None:
    values = np.asarray(result)
    if values.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    where = f" at index {index[0] if len(index) == 1 else index}" if index else ""
    raise ValueError(
        f"{rule_id} {name}: the result is not finite ({values[bad].flat[0]}{where}): "
        "the inputs are too large, or a divisor too small, for float64"
    )


def rule(
    id: str,
    *,
    title: str,
    section: str = "",
    forward: Callable[..., Any],
    wrt: str,
    latex: str,
    latex_denominator: str | None = None,
    shape: tuple[Dim, ...],
    args: Mapping[str, Arg],
    conditions: str = "",
    domain: Callable[..., bool] | None = None,
    keywords: Sequence[str] = (),
    printed: str = "",
) -> Callable[[F], F]:
    """Register the decorated function as the closed-form derivative of a rule.

    The decorated function comes back wrapped by
    [`finite_guard`][mcref.core.registry.finite_guard] (a non-finite result
    raises ValueError), with a `rule_id` attribute; the registry holds the same
    wrapped function. Registering an ID twice is an error. `latex_denominator`
    defaults to `latex`, for a derivative that is the same array in both layouts
    (a diagonal or symmetric Jacobian). `keywords` are the names readers search
    for (`("ReLU", "rectifier")`): a sequence of non-empty strings.
    """
    names = _keywords(id, keywords)

    def decorate(derivative: F) -> F:
        if not _ID.match(id):
            raise ValueError(
                f"rule ID must look like 'R10' (letters then digits), 'MC51.2' (a form) or 'MC64u', got {id!r}"
            )
        if id in _RULES:
            raise ValueError(f"rule {id} is already registered (by {_RULES[id].derivative.__qualname__})")
        if wrt not in args:
            raise ValueError(f"rule {id}: wrt={wrt!r} is not one of its arguments {list(args)}")
        guarded = finite_guard(id, derivative)
        _RULES[id] = Rule(
            id=id,
            title=title,
            section=section,
            forward=forward,
            wrt=wrt,
            derivative=guarded,
            latex=latex,
            latex_denominator=latex if latex_denominator is None else latex_denominator,
            shape=shape,
            args=dict(args),
            conditions=conditions,
            domain=domain,
            keywords=names,
            printed=printed,
        )
        guarded.rule_id = id  # type: ignore[attr-defined]
        return guarded

    return decorate


def _keywords(rule_id: str, keywords: Sequence[str]) -> tuple[str, ...]:
    """A rule's search keywords as a tuple, or TypeError/ValueError naming what is wrong."""
    if isinstance(keywords, str) or not isinstance(keywords, Sequence):
        raise TypeError(
            f"rule {rule_id}: keywords must be a list or tuple of strings, got {type(keywords).__name__} {keywords!r}"
        )
    for word in keywords:
        if not isinstance(word, str):
            raise TypeError(f"rule {rule_id}: every keyword must be a string, got {type(word).__name__} {word!r}")
        if not word.strip():
            raise ValueError(f"rule {rule_id}: a keyword must not be empty, got {word!r}")
    return tuple(word.strip() for word in keywords)


def vjp_of(rule_id: str, *, latex: str = "") -> Callable[[F], F]:
    """Attach the decorated function as the vector-Jacobian product of a registered rule.

    The function is called as `vjp(v, **point)`, with `v` shaped like the
    forward function's output, and returns `vᵀJ` shaped like the variable, the
    way reverse-mode autodiff does, without forming the Jacobian. `latex`
    states it as a formula for the rule's page. Like the closed form, it comes
    back wrapped by [`finite_guard`][mcref.core.registry.finite_guard].
    """

    def decorate(fn: F) -> F:
        r = get_rule(rule_id)
        if r.vjp is not None:
            raise ValueError(f"rule {rule_id} already has a VJP ({r.vjp.__qualname__})")
        guarded = finite_guard(rule_id, fn)
        _RULES[rule_id] = replace(r, vjp=guarded, vjp_latex=latex)
        guarded.rule_id = rule_id  # type: ignore[attr-defined]
        return guarded

    return decorate


def unregister(rule_id: str) -> Rule:
    """Remove a rule from the registry and return it (a trial rule in a test or a notebook).

    Raises:
        KeyError: If no rule has this ID.
    """
    rule = get_rule(rule_id)
    del _RULES[rule_id]
    return rule


def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, ordered by prefix and number (R3, R6, ..., R13)."""
    return tuple(sorted(_RULES.values(), key=lambda r: (r.prefix, r.number, r.unnumbered, r.form)))


def get_rule(rule_id: str) -> Rule:
    """The rule with this ID, in any case: "R10", "r10" and " r10 " are the same rule.

    Raises:
        TypeError: If `rule_id` is not a string.
        KeyError: If no rule has this ID. The message names the close IDs
            (difflib), the rules whose title contains the word when it is one,
            and each prefix's range of IDs.

    Examples:
        >>> from mcref import get_rule
        >>> get_rule("r13").id
        'R13'
        >>> get_rule("R99")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        KeyError: "no rule with ID 'R99'; close IDs: R9, R19, MC99 (the IDs are C1-C7, ..., R1-R26, ...)"
    """
    if not isinstance(rule_id, str):
        raise TypeError(f"rule_id must be a string such as 'R10', got {type(rule_id).__name__}")
    found = _RULES.get(rule_id) or _RULES.get(rule_id.strip().upper())
    if found is not None:
        return found
    raise KeyError(f"no rule with ID {rule_id!r}; {_unknown_id_hint(rule_id)}")


def _unknown_id_hint(rule_id: str) -> str:
    """The close IDs, the rules whose title has the word, and the range of IDs of each prefix."""
    rules = all_rules()
    wanted = rule_id.strip()
    close = difflib.get_close_matches(wanted.upper(), [r.id for r in rules], n=5, cutoff=0.5)
    # a word of three letters or more: the rules with a title word that starts with it ("softmax", "relu")
    word = re.compile(rf"\b{re.escape(wanted)}", re.I) if len(wanted) >= 3 and wanted.isalpha() else None
    titled = [r.id for r in rules if word and word.search(r.title)]
    ranges: dict[str, list[int]] = {}
    for r in rules:
        ranges.setdefault(r.prefix, []).append(r.number)
    known = ", ".join(
        f"{prefix}{min(nums)}" + (f"-{prefix}{max(nums)}" if len(nums) > 1 else "") for prefix, nums in ranges.items()
    )
    hints = []
    if close:
        hints.append(f"close IDs: {', '.join(close)}")
    if titled:
        hints.append(f"rules whose title contains {wanted!r}: {', '.join(titled)}")
    return "; ".join(hints) + f" (the IDs are {known})" if hints else f"the IDs are {known}"


def _resolve(rule: Rule | str) -> Rule:
    if isinstance(rule, str):
        return get_rule(rule)
    if isinstance(rule, Rule):
        return rule
    raise TypeError(f"rule must be a Rule or a rule ID such as 'R10', got {type(rule).__name__}")


def _sizes_for(r: Rule, sizes: int | Mapping[str, int]) -> dict[str, int]:
    """A size for every dimension symbol: from a mapping, or one int for all of them."""
    if isinstance(sizes, Mapping):
        return {str(k): validate.integer(f"sizes[{k!r}]", v, low=1) for k, v in sizes.items()}
    if isinstance(sizes, bool) or not isinstance(sizes, (int, np.integer)):
        raise TypeError(f"sizes must be an int or a mapping of dimension names to ints, got {type(sizes).__name__}")
    return dict.fromkeys(r.dimensions, validate.integer("sizes", sizes, low=1))


def check_rule(
    rule: Rule | str,
    sizes: int | Mapping[str, int] | None = None,
    *,
    seed: int = 0,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> CheckResult:
    """Check a rule's closed form against the numerical Jacobian at a random point.

    Args:
        rule: A rule or its ID (any case).
        sizes: The size of every dimension symbol, or one int used for all of
            them. By default (None) the rule's dimensions get the distinct sizes
            3, 4, 5, ... in the order of `rule.dimensions`, so the result is not
            square when the rule has two dimensions or more: a closed form that
            is transposed, or that confuses two dimensions, fails on its shape.
        seed: Seed of the random point.
        rtol: Relative tolerance.
        atol: Absolute tolerance.

    Returns:
        The comparison. Its shapes are the closed form's and the numerical
        Jacobian's; a closed form whose shape differs from the rule's declared
        shape fails.

    Examples:
        >>> from mcref import check_rule
        >>> check_rule("R13", 4, seed=1).ok
        True
        >>> result = check_rule("x5")  # N = 3, m = 4, n = 5: a Jacobian of shape (N m, n m)
        >>> print(result.ok, result.jacobian_shape)
        True (12, 20)
    """
    r = _resolve(rule)
    sizes = {d: 3 + i for i, d in enumerate(r.dimensions)} if sizes is None else _sizes_for(r, sizes)
    point = r.sample(np.random.default_rng(validate.integer("seed", seed)), sizes)
    closed = np.asarray(r.derivative(**point))
    numeric = numerical_jacobian(r.forward, wrt=r.wrt, **point)
    declared = r.derivative_shape(sizes)
    if closed.shape != declared:
        # report against the declared shape: a closed form of the wrong shape fails
        return CheckResult.comparison(closed.shape, declared, rule_id=r.id, rtol=rtol, atol=atol)
    return compare_jacobians(closed, numeric, rule_id=r.id, rtol=rtol, atol=atol)


def check_vjp(
    rule: Rule | str,
    sizes: int | Mapping[str, int],
    *,
    seed: int = 0,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> CheckResult:
    """Check a rule's VJP against `v` times its full closed-form Jacobian, at a random point and `v`.

    The VJP must return an array shaped like the variable; it is flattened
    (row-major) and compared with the row `v.reshape(-1) @ J`.

    Raises:
        ValueError: If the rule has no VJP attached.
    """
    r = _resolve(rule)
    if r.vjp is None:
        raise ValueError(f"rule {r.id} has no VJP; attach one with @vjp_of({r.id!r})")
    sizes = _sizes_for(r, sizes)
    rng = np.random.default_rng(validate.integer("seed", seed))
    point = r.sample(rng, sizes)
    out_shape = np.shape(r.forward(**point))
    v = rng.normal(size=out_shape)
    jac = np.asarray(r.derivative(**point))
    got = np.asarray(r.vjp(v if out_shape else float(v), **point))
    want_shape = np.shape(point[r.wrt])
    if got.shape != want_shape:
        return CheckResult.comparison(got.shape, want_shape, rule_id=r.id, rtol=rtol, atol=atol)
    return compare_jacobians(got.reshape(1, -1), np.reshape(v, (1, -1)) @ jac, rule_id=r.id, rtol=rtol, atol=atol)


# ----- rules by kind: the one piece a kind needs gives the Jacobian and the VJP -----


Point = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """A rule of a known kind, waiting for its public functions.

    Made by [`elementwise`][mcref.core.registry.elementwise],
    [`reduction`][mcref.core.registry.reduction],
    [`linear`][mcref.core.registry.linear],
    [`along_curve`][mcref.core.registry.along_curve] or
    [`hessian`][mcref.core.registry.hessian]; decorate the Jacobian's stub with
    [`jacobian`][mcref.core.registry.Kind.jacobian] and the VJP's with
    [`vjp`][mcref.core.registry.Kind.vjp].

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
        _empty_body(stub)
        signature = inspect.signature(stub)

        @functools.wraps(stub)
        def jacobian(*args: Any, **kwargs: Any) -> FloatArray:
            return self.closed_form(_checked(self.forward, signature.bind(*args, **kwargs).arguments))

        return rule(self.id, **self.registration)(jacobian)  # type: ignore[return-value]

    def vjp(self, stub: F) -> F:
        """Attach the VJP, with `stub`'s name, signature (the cotangent first: `v`, `delta`, ...) and docstring."""
        _empty_body(stub)
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
    keywords: Sequence[str] = (),
    printed: str = "",
) -> Kind:
    """An element-wise rule, from its element-wise derivative.

    Args:
        id: The rule ID, e.g. `"R10"`.
        title: Short name of the rule.
        forward: The forward function; it checks the arguments.
        wrt: The variable, a vector argument of `forward`.
        derivative: Called with the forward function's arguments by name, as
            float64 arrays (0-d for scalar arguments); returns the vector
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
        keywords: The names readers search for, as in
            [`rule`][mcref.core.registry.rule].

    Returns:
        The rule's [`Kind`][mcref.core.registry.Kind]: the Jacobian is
        diag(derivative), shape `(n, n)`, and the VJP is `v ⊗ derivative`.
    """
    if vjp_latex is None and diagonal_latex is not None:
        vjp_latex = rf"\mathbf{{v}}^T J = (\mathbf{{v}} \otimes {diagonal_latex})^T"

    def diagonal(point: Point) -> FloatArray:
        # a constant derivative (1, -1) may come back as a number
        return _like_variable(derivative, point, wrt)

    def backprop(v: Any, point: Point, name: str) -> FloatArray:
        d = diagonal(point)
        return validate.cotangent(v, d.shape[0], forward.__name__, name=name) * d

    return Kind(
        id,
        forward,
        lambda point: np.diag(diagonal(point)),
        backprop,
        dict(title=title, section=section, forward=forward, wrt=wrt, latex=latex, shape=(args[wrt].shape[0],) * 2,
             args=args, conditions=conditions, domain=domain, keywords=keywords, printed=printed),
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
    keywords: Sequence[str] = (),
    printed: str = "",
) -> Kind:
    """A rule whose forward function returns a number, from its gradient.

    `gradient` is called like `derivative` in
    [`elementwise`][mcref.core.registry.elementwise] and returns ∂y/∂wrt shaped
    like the variable: a vector of length n, or a matrix for a matrix
    variable (the gradient layout of the Matrix Cookbook), or a number for a
    constant gradient. The Jacobian is that gradient flattened row-major into
    a `(1, n)` or `(1, m n)` row (numerator layout) and the VJP is the number
    `v` times it, shaped like the variable. The other arguments are those of
    `elementwise`; `latex_denominator` states the gradient shaped like the
    variable (a column for a vector).
    """

    def grad(point: Point) -> FloatArray:
        return _like_variable(gradient, point, wrt)

    return Kind(
        id,
        forward,
        lambda point: grad(point).reshape(1, -1),
        lambda v, point, name: validate.scalar_cotangent(v, name=name) * grad(point),
        dict(title=title, section=section, forward=forward, wrt=wrt, latex=latex,
             latex_denominator=latex_denominator, shape=(1, flat_dim(args[wrt].shape)), args=args,
             conditions=conditions, domain=domain, keywords=keywords, printed=printed),
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
    keywords: Sequence[str] = (),
    printed: str = "",
) -> Kind:
    """A rule y = A wrt, linear in the variable, from its matrix A.

    `matrix` is called like `derivative` in
    [`elementwise`][mcref.core.registry.elementwise] and returns A, of shape
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
             latex_denominator=latex_denominator, shape=shape, args=args, conditions=conditions, domain=domain,
             keywords=keywords, printed=printed),
        vjp_latex,
    )


def along_curve(
    id: str,
    *,
    title: str,
    forward: Callable[..., Any],
    rate: Callable[..., ArrayLike],
    latex: str,
    latex_denominator: str | None = None,
    vjp_latex: str = "",
    value_shape: tuple[Dim, ...],
    args: Mapping[str, Arg],
    wrt: str = "t",
    section: str = "",
    conditions: str = "",
    domain: Callable[..., bool] | None = None,
    keywords: Sequence[str] = (),
    printed: str = "",
) -> Kind:
    """A differential identity (dF = ... in terms of dX), checked as a derivative along a curve.

    An identity such as d(X⁻¹) = −X⁻¹ (dX) X⁻¹ holds for every perturbation dX;
    along any smooth curve X(t) it says dF/dt = −X⁻¹ Ẋ X⁻¹, a derivative with
    respect to the number t that central differences can check. The rule
    module chooses the curve and writes `forward(t, ...)`, F at the curve's
    point X(t); `rate` is called like `derivative` in
    [`elementwise`][mcref.core.registry.elementwise] and returns dF/dt by the
    identity, shaped like F (`value_shape`: `()` for a number, `("n", "n")` for
    a matrix). The Jacobian is that rate flattened row-major into a column,
    of shape `(entries of F, 1)`, and the VJP is the number Σ v_i (dF/dt)_i
    for a cotangent v shaped like F. `wrt` is the curve parameter, a scalar
    argument of `forward`.
    """

    def velocity(point: Point) -> FloatArray:
        return np.asarray(rate(**point), dtype=np.float64)

    def backprop(v: Any, point: Point, name: str) -> FloatArray:
        d = velocity(point)
        cot = validate.shaped_cotangent(v, d.shape, forward.__name__, name=name)
        return np.asarray(np.sum(np.asarray(cot) * d), dtype=np.float64)

    return Kind(
        id,
        forward,
        lambda point: velocity(point).reshape(-1, 1),
        backprop,
        dict(title=title, section=section, forward=forward, wrt=wrt, latex=latex,
             latex_denominator=latex_denominator, shape=(flat_dim(value_shape), 1), args=args,
             conditions=conditions, domain=domain, keywords=keywords, printed=printed),
        vjp_latex,
    )


def hessian(
    id: str,
    *,
    title: str,
    forward: Callable[..., Any],
    wrt: str,
    matrix: Callable[..., ArrayLike],
    latex: str,
    latex_denominator: str | None = None,
    vjp_latex: str = "",
    args: Mapping[str, Arg],
    section: str = "",
    conditions: str = "",
    domain: Callable[..., bool] | None = None,
    keywords: Sequence[str] = (),
    printed: str = "",
) -> Kind:
    """A Hessian, checked as the Jacobian of a gradient.

    `forward` is the gradient ∇f of a scalar function f with respect to the
    vector `wrt` (itself a verified closed form: a rule of the registry, or the
    function it registers); `matrix` is called like `derivative` in
    [`elementwise`][mcref.core.registry.elementwise] and returns the Hessian H,
    H_ij = ∂²f/∂x_i∂x_j, an (n, n) matrix. Central differences of the gradient
    then check H entry by entry. The Jacobian is H and the VJP is Hᵀv.
    """

    def jac(point: Point) -> FloatArray:
        return np.asarray(matrix(**point), dtype=np.float64)

    def backprop(v: Any, point: Point, name: str) -> FloatArray:
        H = jac(point)
        return validate.cotangent(v, H.shape[0], forward.__name__, name=name) @ H

    n = args[wrt].shape[0]
    return Kind(
        id,
        forward,
        jac,
        backprop,
        dict(title=title, section=section, forward=forward, wrt=wrt, latex=latex,
             latex_denominator=latex_denominator, shape=(n, n), args=args, conditions=conditions, domain=domain,
             keywords=keywords, printed=printed),
        vjp_latex,
    )


def _like_variable(piece: Callable[..., ArrayLike], point: Point, wrt: str) -> FloatArray:
    """A kind's per-entry piece at a point, as a float64 array shaped like the variable.

    A constant piece (1, -1, a number) comes back as a number and is spread over every entry.
    """
    return np.broadcast_to(np.asarray(piece(**point), dtype=np.float64), point[wrt].shape).copy()


def _docstring_only() -> None:
    """A function with a docstring and no body."""


def _empty_body(stub: Callable[..., Any]) -> None:
    """Refuse a stub with a body: the kind computes the result, and a body would be silently ignored."""
    code, empty = stub.__code__, _docstring_only.__code__
    if (code.co_code, code.co_consts[1:], code.co_names) != (empty.co_code, empty.co_consts[1:], empty.co_names):
        raise TypeError(
            f"{stub.__qualname__} has a body, which a kind would ignore: it computes the result from the one "
            "piece it was given; leave only the docstring"
        )


def _checked(forward: Callable[..., Any], point: Mapping[str, Any]) -> Point:
    """The arguments by name, checked by the forward function, as float64 arrays (0-d for scalars)."""
    forward(**point)  # the forward function's checks: shapes, lengths, finiteness, domain
    return {name: np.asarray(value, dtype=np.float64) for name, value in point.items()}
