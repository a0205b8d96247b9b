"""Extension: scaled dot-product attention, with respect to the queries, keys and values (X46–X48).

For N queries (the rows of Q, shape (N, d)), M keys (the rows of K, shape
(M, d)) and M values (the rows of V, shape (M, p)),

    Z = Q Kᵀ / √d        (N, M)   scores
    S = softmax_r(Z)     (N, M)   the softmax of each row: attention weights
    A = S V              (N, p)   each output row a weighted mean of the values

where softmax_r takes the softmax of every row on its own, so every row of S
is a probability vector. p is the width of the values (often written d_v).

* X46: ∂A/∂Q is block diagonal: output row i reads query row i alone, through
  row i of S; block i is Vᵀ(diag(s_i) − s_i s_iᵀ)K/√d, with s_i the i-th row
  of S and diag(s) − ssᵀ the softmax Jacobian (X18).
* X47: ∂A_ik/∂K_ab = S_ia (V_ak − A_ik) Q_ib / √d: every output row reads
  every key.
* X48: A is linear in V, ∂A/∂V = kron(S, I_p), the matrix product rule X8
  with the weights S.

Matrices are flattened row by row, as in [`mcref.ext.layers`][mcref.ext.layers].
The VJPs are the usual backward pass of attention, one matrix product or
element-wise step each, with G = ∂L/∂A:

    ∂L/∂V = Sᵀ G,   dS = G Vᵀ,   dZ = S ⊗ (dS − rowsum(dS ⊗ S)),
    ∂L/∂Q = dZ K / √d,   ∂L/∂K = dZᵀ Q / √d.

**Stability.** Each row of Z has its maximum subtracted before the
exponential, as in [`mcref.ext.softmax`][mcref.ext.softmax]; scores that
overflow float64 raise ValueError.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "attention",
    "jac_attention_K",
    "jac_attention_Q",
    "jac_attention_V",
    "vjp_attention_K",
    "vjp_attention_Q",
    "vjp_attention_V",
]

_ARGS = {"Q": Arg(("N", "d")), "K": Arg(("M", "d")), "V": Arg(("M", "p"))}

_SETUP = (
    r"$Q$ is $N \times d$, $K$ is $M \times d$, $V$ is $M \times p$; $Z = QK^T/\sqrt{d}$, "
    r"$S = \operatorname{softmax}_r(Z)$ takes the softmax of each row, $\mathbf{s}_i$ is row $i$ of $S$, and "
    r"$A = SV$. Matrices are flattened row by row, $\operatorname{vec}_r$."
)
_S_BAR = r"\Delta_Z = S \otimes \big(\Delta_S - \operatorname{rowsum}(\Delta_S \otimes S)\big),\ \Delta_S = G V^T"


def _attention(Q: ArrayLike, K: ArrayLike, V: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate (Q, K, V) and return them with S, the row-wise softmax of QKᵀ/√d."""
    Q = validate.matrix("Q", Q)
    K = validate.matrix("K", K)
    V = validate.matrix("V", V)
    if K.shape[1] != Q.shape[1]:
        raise ValueError(
            f"K must have d = {Q.shape[1]} columns, as many as Q {Q.shape} (queries and keys are compared "
            f"by a dot product), got shape {K.shape}"
        )
    if V.shape[0] != K.shape[0]:
        raise ValueError(f"V must have M = {K.shape[0]} rows, one per row (key) of K {K.shape}, got shape {V.shape}")
    with np.errstate(all="ignore"):
        Z = validate.finite_result("the scores QK^T/√d", Q @ K.T / np.sqrt(Q.shape[1]))
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return Q, K, V, E / E.sum(axis=1, keepdims=True)


def _upstream(G: ArrayLike, S: FloatArray, V: FloatArray) -> FloatArray:
    g = validate.matrix("G", G)
    if g.shape != (S.shape[0], V.shape[1]):
        raise ValueError(
            f"G must be shaped like the output of attention, {(S.shape[0], V.shape[1])}, "
            f"got an array of shape {g.shape}"
        )
    return g


def _score_gradient(G: ArrayLike, S: FloatArray, V: FloatArray) -> FloatArray:
    """dZ = S ⊗ (dS − rowsum(dS ⊗ S)) with dS = G Vᵀ: the upstream gradient carried back to the scores."""
    dS = _upstream(G, S, V) @ V.T
    return S * (dS - (dS * S).sum(axis=1, keepdims=True))


def attention(Q: ArrayLike, K: ArrayLike, V: ArrayLike) -> FloatArray:
    """Scaled dot-product attention A = softmax_r(QKᵀ/√d) V, the softmax taken row by row.

    Args:
        Q: The queries, shape `(N, d)`: one per row.
        K: The keys, shape `(M, d)`.
        V: The values, shape `(M, p)`: one per key.

    Returns:
        A, shape `(N, p)`.

    Raises:
        ValueError: If the shapes do not fit, or the scores or A overflow float64.
    """
    _, _, V, S = _attention(Q, K, V)
    with np.errstate(all="ignore"):
        return validate.finite_result("softmax(QK^T/√d) V", S @ V)


@rule(
    "X46",
    title="Scaled dot-product attention, with respect to the queries Q",
    forward=attention,
    wrt="Q",
    latex=(
        r"\frac{\partial \operatorname{vec}_r(A)}{\partial \operatorname{vec}_r(Q)} = \operatorname{blockdiag}_i"
        r"\Big(\frac{1}{\sqrt{d}} V^T \big(\operatorname{diag}(\mathbf{s}_i) - \mathbf{s}_i \mathbf{s}_i^T\big) K\Big)"
    ),
    latex_denominator=(
        r"\frac{\partial \operatorname{vec}_r(A)}{\partial \operatorname{vec}_r(Q)} = \operatorname{blockdiag}_i"
        r"\Big(\frac{1}{\sqrt{d}} K^T \big(\operatorname{diag}(\mathbf{s}_i) - \mathbf{s}_i \mathbf{s}_i^T\big) V\Big)"
    ),
    shape=("N*p", "N*d"),
    args=_ARGS,
    conditions=(
        _SETUP + r" Block $i$ is $p \times d$, with entry $(k, b)$ equal to "
        r"$\frac{1}{\sqrt{d}} \sum_l S_{il} (V_{lk} - A_{ik}) K_{lb}$; the blocks off the diagonal are zero, "
        r"because query $i$ reaches only output row $i$. $\operatorname{rowsum}$ in the VJP is broadcast along "
        r"each row."
    ),
    keywords=("attention", "self-attention", "transformer", "query gradient"),
)
def jac_attention_Q(Q: ArrayLike, K: ArrayLike, V: ArrayLike) -> FloatArray:
    """X46: the Jacobian of attention with respect to Q, flattened to N·p by N·d, block diagonal.

    A_ik = Σ_j S_ij V_jk reads row i of Q through row i of the scores,
    Z_il = Σ_b Q_ib K_lb / √d. The chain rule through the row softmax (X18)
    gives block i = Vᵀ(diag(s_i) − s_i s_iᵀ)K / √d, whose entry (k, b) is
    Σ_l S_il (V_lk − A_ik) K_lb / √d.

    Args:
        Q: The queries, shape `(N, d)`.
        K: The keys, shape `(M, d)`.
        V: The values, shape `(M, p)`.

    Returns:
        The Jacobian, shape `(N*p, N*d)`, numerator layout.

    Examples:
        >>> from mcref.ext.attention import jac_attention_Q
        >>> Q = [[0.0, 0.0], [1.0, 0.0]]               # two queries, d = 2
        >>> K = [[1.0, 0.0], [-1.0, 1.0]]              # two keys
        >>> V = [[1.0], [3.0]]                         # p = 1
        >>> J = jac_attention_Q(Q, K, V)
        >>> print(J.shape)
        (2, 4)
        >>> print(J.round(4) + 0.0)    # query 0 sees both keys at weight 1/2
        [[-0.7071  0.3536  0.      0.    ]
         [ 0.      0.     -0.445   0.2225]]
    """
    Q, K, V, S = _attention(Q, K, V)
    N, d = Q.shape
    A = S @ V
    # block[i, k, b] = Σ_l S_il (V_lk − A_ik) K_lb / √d
    block = (np.einsum("il,lk,lb->ikb", S, V, K, optimize=True) - A[:, :, None] * (S @ K)[:, None, :]) / np.sqrt(d)
    return np.einsum("ikb,ia->ikab", block, np.eye(N)).reshape(N * V.shape[1], N * d)


@vjp_of("X46", latex=r"\frac{\partial L}{\partial Q} = \frac{1}{\sqrt{d}} \Delta_Z K,\qquad " + _S_BAR)
def vjp_attention_Q(G: ArrayLike, Q: ArrayLike, K: ArrayLike, V: ArrayLike) -> FloatArray:
    """X46, backprop form: ∂L/∂Q = dZ K / √d, with dZ = S ⊗ (dS − rowsum(dS ⊗ S)) and dS = G Vᵀ.

    Args:
        G: The upstream gradient ∂L/∂A, shape `(N, p)`.
        Q: The queries, shape `(N, d)`.
        K: The keys, shape `(M, d)`.
        V: The values, shape `(M, p)`.

    Returns:
        ∂L/∂Q, shape `(N, d)` (shaped like Q).

    Examples:
        >>> from mcref.ext.attention import vjp_attention_Q
        >>> Q, K, V = [[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [-1.0, 1.0]], [[1.0], [3.0]]
        >>> print(vjp_attention_Q([[1.0], [0.0]], Q, K, V).round(4) + 0.0)
        [[-0.7071  0.3536]
         [ 0.      0.    ]]
    """
    Q, K, V, S = _attention(Q, K, V)
    return _score_gradient(G, S, V) @ K / np.sqrt(Q.shape[1])


@rule(
    "X47",
    title="Scaled dot-product attention, with respect to the keys K",
    forward=attention,
    wrt="K",
    latex=(
        r"\frac{\partial A_{ik}}{\partial K_{ab}} = \frac{1}{\sqrt{d}}\, S_{ia} (V_{ak} - A_{ik})\, Q_{ib}"
        r"\text{ at } (ip + k,\ ad + b)"
    ),
    latex_denominator=(
        r"\frac{\partial A_{ik}}{\partial K_{ab}} = \frac{1}{\sqrt{d}}\, S_{ia} (V_{ak} - A_{ik})\, Q_{ib}"
        r"\text{ at } (ad + b,\ ip + k)"
    ),
    shape=("N*p", "M*d"),
    args=_ARGS,
    conditions=(
        _SETUP + r" Indices count from 0 in the positions $(ip + k,\ ad + b)$ of the flattened matrix. "
        r"Key $a$ moves output $A_{ik}$ by its weight "
        r"$S_{ia}$ times how far its value $V_{ak}$ lies from the output."
    ),
    keywords=("attention", "self-attention", "transformer", "key gradient"),
)
def jac_attention_K(Q: ArrayLike, K: ArrayLike, V: ArrayLike) -> FloatArray:
    """X47: the Jacobian of attention with respect to K, flattened to N·p by M·d.

    Key row a enters every score row through Z_ia = Σ_b Q_ib K_ab / √d alone,
    so ∂Z_il/∂K_ab = δ_la Q_ib / √d; through the row softmax,
    ∂A_ik/∂Z_il = S_il (V_lk − A_ik). Together: S_ia (V_ak − A_ik) Q_ib / √d.

    Args:
        Q: The queries, shape `(N, d)`.
        K: The keys, shape `(M, d)`.
        V: The values, shape `(M, p)`.

    Returns:
        The Jacobian, shape `(N*p, M*d)`, numerator layout.

    Examples:
        >>> from mcref.ext.attention import jac_attention_K
        >>> Q, K, V = [[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [-1.0, 1.0]], [[1.0], [3.0]]
        >>> print(jac_attention_K(Q, K, V).round(4) + 0.0)    # query 0 is zero: it moves with no key
        [[ 0.      0.      0.      0.    ]
         [-0.2225  0.      0.2225  0.    ]]
    """
    Q, K, V, S = _attention(Q, K, V)
    N, d = Q.shape
    A = S @ V
    J = S[:, None, :, None] * (V.T[None, :, :, None] - A[:, :, None, None]) * Q[:, None, None, :] / np.sqrt(d)
    return J.reshape(N * V.shape[1], K.shape[0] * d)


@vjp_of("X47", latex=r"\frac{\partial L}{\partial K} = \frac{1}{\sqrt{d}} \Delta_Z^T Q,\qquad " + _S_BAR)
def vjp_attention_K(G: ArrayLike, Q: ArrayLike, K: ArrayLike, V: ArrayLike) -> FloatArray:
    """X47, backprop form: ∂L/∂K = dZᵀ Q / √d, with dZ as in X46.

    Args:
        G: The upstream gradient ∂L/∂A, shape `(N, p)`.
        Q: The queries, shape `(N, d)`.
        K: The keys, shape `(M, d)`.
        V: The values, shape `(M, p)`.

    Returns:
        ∂L/∂K, shape `(M, d)` (shaped like K).

    Examples:
        >>> from mcref.ext.attention import vjp_attention_K
        >>> Q, K, V = [[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [-1.0, 1.0]], [[1.0], [3.0]]
        >>> print(vjp_attention_K([[0.0], [1.0]], Q, K, V).round(4) + 0.0)
        [[-0.2225  0.    ]
         [ 0.2225  0.    ]]
    """
    Q, K, V, S = _attention(Q, K, V)
    return _score_gradient(G, S, V).T @ Q / np.sqrt(Q.shape[1])


@rule(
    "X48",
    title="Scaled dot-product attention, with respect to the values V",
    forward=attention,
    wrt="V",
    latex=(
        r"\frac{\partial A_{ik}}{\partial V_{ab}} = S_{ia}\, \delta_{kb}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(A)}{\partial \operatorname{vec}_r(V)} = \operatorname{kron}(S, I_p)"
    ),
    latex_denominator=(
        r"\frac{\partial \operatorname{vec}_r(A)}{\partial \operatorname{vec}_r(V)} = \operatorname{kron}(S^T, I_p)"
    ),
    shape=("N*p", "M*p"),
    args=_ARGS,
    conditions=_SETUP + r" $S$ does not depend on $V$, so $A = SV$ is linear in $V$: the matrix product rule X8.",
    keywords=("attention", "self-attention", "transformer", "value gradient"),
)
def jac_attention_V(Q: ArrayLike, K: ArrayLike, V: ArrayLike) -> FloatArray:
    """X48: the Jacobian of attention with respect to V is kron(S, I_p), N·p by M·p.

    Args:
        Q: The queries, shape `(N, d)`.
        K: The keys, shape `(M, d)`.
        V: The values, shape `(M, p)`.

    Returns:
        kron(S, I_p), shape `(N*p, M*p)`, numerator layout.

    Examples:
        >>> from mcref.ext.attention import jac_attention_V
        >>> Q, K, V = [[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [-1.0, 1.0]], [[1.0], [3.0]]
        >>> print(jac_attention_V(Q, K, V).round(4))    # p = 1: the attention weights S themselves
        [[0.5    0.5   ]
         [0.8044 0.1956]]
    """
    _, _, V, S = _attention(Q, K, V)
    return np.asarray(np.kron(S, np.eye(V.shape[1])) + 0.0, dtype=np.float64)


@vjp_of("X48", latex=r"\frac{\partial L}{\partial V} = S^T G")
def vjp_attention_V(G: ArrayLike, Q: ArrayLike, K: ArrayLike, V: ArrayLike) -> FloatArray:
    """X48, backprop form: ∂L/∂V = Sᵀ G.

    Args:
        G: The upstream gradient ∂L/∂A, shape `(N, p)`.
        Q: The queries, shape `(N, d)`.
        K: The keys, shape `(M, d)`.
        V: The values, shape `(M, p)`.

    Returns:
        ∂L/∂V, shape `(M, p)` (shaped like V).

    Examples:
        >>> from mcref.ext.attention import vjp_attention_V
        >>> Q, K, V = [[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [-1.0, 1.0]], [[1.0], [3.0]]
        >>> print(vjp_attention_V([[1.0], [1.0]], Q, K, V).round(4))
        [[1.3044]
         [0.6956]]
    """
    _, _, V, S = _attention(Q, K, V)
    return S.T @ _upstream(G, S, V)
