# %% [markdown]
# # Training a two-layer network
#
# The paper stops at one neuron. This notebook trains the [two-layer network](../extensions/network.md)
# of the extensions, a hidden layer of ReLU units and a linear output layer, by gradient descent. The
# backward pass is written out below as a chain of registered rules, each a vector-Jacobian product,
# and checked against central differences while the network trains. The site runs the notebook each
# time it is built.
#
# A batch of $N$ samples, one per row of the $N \times n$ matrix $X$, goes through
#
# $$
# Z_1 = X W_1 + \mathbf{b}_1, \qquad H = \max(0, Z_1), \qquad \hat Y = H W_2 + \mathbf{b}_2,
# \qquad L = \frac{1}{Nm} \sum_{s=1}^{N} \sum_{j=1}^{m} \big(\hat Y_{sj} - Y_{sj}\big)^2 ,
# $$
#
# with $W_1$ of shape $n \times h$, $W_2$ of shape $h \times m$, each bias added to every row, and
# the ReLU applied to every entry.
#
# The page is built from <a href="network.py" download>network.py</a>, a Python script in Jupytext's
# percent format: open it in Jupyter with Jupytext installed, or run it with `ipython network.py`.

# %%
import base64
import html
import io
import struct

import matplotlib

matplotlib.use("Agg")  # draw off screen; each figure is shown as an inline PNG
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

import mcref
from mcref.ext.layers import vjp_batched_b, vjp_batched_W, vjp_batched_X
from mcref.ext.network import forward_pass, gradients, network_loss
from mcref.ext.regression import vjp_mse
from mcref.paper.neuron import vjp_relu


def show(fig, alt):
    """Display a figure as a PNG with a text alternative, then close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    png = buffer.getvalue()
    width, height = struct.unpack(">II", png[16:24])  # from the PNG header: the page keeps room for it
    data = base64.b64encode(png).decode("ascii")
    display(HTML(
        f'<img src="data:image/png;base64,{data}" width="{width}" height="{height}" alt="{html.escape(alt)}">'
    ))


# %% [markdown]
# ## The problem
#
# A curve to fit: 64 points with $x$ in $[-3, 3]$ and the target $\sin x$ plus a little noise. One
# input, one output and $h = 12$ hidden units, so $n = m = 1$; the code does not depend on the sizes.
# The first-layer biases start spread over $[-2, 2]$, so that the units switch on at different
# places along the axis.

# %%
rng = np.random.default_rng(3)
N, n, h, m = 64, 1, 12, 1
X = rng.uniform(-3.0, 3.0, size=(N, n))
Y = np.sin(X) + 0.1 * rng.normal(size=(N, m))

params = {
    "W1": rng.normal(size=(n, h)),
    "b1": rng.uniform(-2.0, 2.0, size=h),
    "W2": rng.normal(size=(h, m)) / np.sqrt(h),
    "b2": np.zeros(m),
}
for name, value in params.items():
    print(name, value.shape)
print("loss at the start:", round(float(network_loss(X, **params, Y=Y)), 4))

# %% [markdown]
# ## The backward pass, rule by rule
#
# $L$ is a scalar, so each gradient is a row times a chain of Jacobians, and backprop evaluates
# the chain from the loss backwards: each step is the vector-Jacobian product of one rule, which
# returns the gradient shaped like its variable and never forms the Jacobian. Writing
# $G = \partial L / \partial \hat Y$,
#
# $$
# G = \tfrac{2}{Nm}(\hat Y - Y), \qquad
# \frac{\partial L}{\partial W_2} = H^T G, \qquad
# \frac{\partial L}{\partial \mathbf{b}_2} = \mathbf{1}_N^T G, \qquad
# \frac{\partial L}{\partial H} = G W_2^T,
# $$
#
# $$
# \Delta_1 = \frac{\partial L}{\partial Z_1} = (G W_2^T) \otimes \mathbb{1}[Z_1 > 0], \qquad
# \frac{\partial L}{\partial W_1} = X^T \Delta_1, \qquad
# \frac{\partial L}{\partial \mathbf{b}_1} = \mathbf{1}_N^T \Delta_1 .
# $$
#
# Seven calls, one per equation, in the order of the table on the
# [network page](../extensions/network.md#the-backward-pass-one-vjp-at-a-time): the mean squared
# error [X22](../extensions/losses.md#X22), the batched layer's [X5](../extensions/layers.md#X5),
# [X6](../extensions/layers.md#X6) and [X4](../extensions/layers.md#X4), the ReLU
# [N6](../rules/neuron.md#N6), then X5 and X6 again for the hidden layer. X22 and N6 are stated for
# one vector; they apply to the whole batch flattened row by row, because the loss is the mean over
# all $Nm$ entries and the ReLU acts on each entry alone. Where an entry of $Z_1$ is exactly 0 the
# ReLU has no derivative and N6 uses 0, the paper's convention. The library's
# [`gradients`][mcref.ext.network.gradients] makes the same seven calls; the cell checks that the two
# agree exactly.

# %%
def backward(X, Y, W1, b1, W2, b2):
    """The loss and its four gradients, each gradient shaped like its parameter."""
    Z1, H, Yhat, L = forward_pass(X, W1, b1, W2, b2, Y)
    G = vjp_mse(1.0, Yhat.reshape(-1), Y.reshape(-1)).reshape(Yhat.shape)  # X22: dL/dYhat
    dW2 = vjp_batched_W(G, H, W2, b2)                                 # X5: H^T G
    db2 = vjp_batched_b(G, H, W2, b2)                                 # X6: column sums of G
    dH = vjp_batched_X(G, H, W2, b2)                                  # X4: G W2^T
    dZ1 = vjp_relu(dH.reshape(-1), Z1.reshape(-1)).reshape(Z1.shape)  # N6: 0 where Z1 <= 0
    dW1 = vjp_batched_W(dZ1, X, W1, b1)                               # X5: X^T Delta_1
    db1 = vjp_batched_b(dZ1, X, W1, b1)                               # X6: column sums
    return float(L), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


L, grads = backward(X, Y, **params)
library = gradients(X, **params, Y=Y)
for name, g in grads.items():
    same = np.array_equal(g, getattr(library, name))
    print(name, g.shape, "same as mcref.ext.network.gradients:", same)

# %% [markdown]
# ## Checking against central differences
#
# The four gradients are the rules [X24](../extensions/network.md#X24) to
# [X27](../extensions/network.md#X27). To check them at the current parameters,
# [`numerical_jacobian`][mcref.core.numerical.numerical_jacobian] moves one entry of a parameter at a time
# and evaluates the whole loss twice, knowing nothing of the rules; a matrix parameter is flattened
# row by row, so the numerical gradient is a $1 \times k$ row, and our gradient is reshaped to match.
# [`compare_jacobians`][mcref.core.numerical.compare_jacobians] applies the tolerances every rule is
# checked with. A mismatch raises, which fails the site's build.
#
# A central difference is wrong where it straddles a kink of the ReLU, so the check also prints how
# close the nearest entry of $Z_1$ is to 0; the step is about $10^{-6}$.

# %%
RULES = {"W1": "X24", "b1": "X25", "W2": "X26", "b2": "X27"}


def check_gradients(params):
    """Compare the backward pass with central differences of the loss; raise on a mismatch."""
    _, grads = backward(X, Y, **params)
    worst = 0.0
    for name, rule_id in RULES.items():
        numerical = mcref.numerical_jacobian(network_loss, X, **params, Y=Y, wrt=name)
        closed = grads[name].reshape(1, -1)  # a (1, k) row, flattened row by row
        result = mcref.compare_jacobians(closed, numerical, rule_id=rule_id)
        result.raise_if_failed()  # a mismatch stops the notebook, and the build
        worst = max(worst, result.max_error)
    closest = np.abs(X @ params["W1"] + params["b1"]).min()
    return f"X24-X27 passed (max |difference| {worst:.1e}); closest |Z1| entry {closest:.4f}"


print(check_gradients(params))

# %% [markdown]
# ## Gradient descent
#
# Every step runs the backward pass once on the whole batch and moves each parameter against its
# gradient, $W_1 \leftarrow W_1 - \eta\, \partial L / \partial W_1$ and so on. The gradients already
# have the shapes of the parameters (denominator layout, as an optimiser wants them), so no transpose
# is needed. The gradients are checked again at a few steps, where other units are active.

# %%
rate = 0.08
steps = 300
history = []
for step in range(steps + 1):
    L, grads = backward(X, Y, **params)
    history.append(L)
    if step in (0, 10, 100, steps):
        note = check_gradients(params) if step else "checked above"
        print(f"step {step:3d}: loss {L:.4f}; {note}")
    if step < steps:
        params = {name: value - rate * grads[name] for name, value in params.items()}

noise_only = np.mean((Y - np.sin(X)) ** 2)
print(f"loss of sin x itself on these samples (the noise alone): {noise_only:.4f}")
active = (X @ params["W1"] + params["b1"] > 0).mean(axis=0)
print("share of the samples on which each hidden unit is active:", np.round(active, 2))
print("units active on no sample:", int(np.sum(active == 0)), "of", h)

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(range(steps + 1), history, color="tab:blue")
ax.set_yscale("log")
ax.set_xlabel("gradient descent step")
ax.set_ylabel("loss L (log scale)")
ax.set_title("Mean squared error during training")
ax.grid(True, alpha=0.3)
show(fig, f"Loss against step on a log scale: it falls from {history[0]:.2f} to "
          f"{history[100]:.3f} by step 100 and ends at {history[-1]:.4f}.")

# %% [markdown]
# The loss comes down to about the loss of the curve $\sin x$ itself, which is the mean square of
# the noise: the network has found the curve, and most of what remains is noise no function of $x$
# can predict.
#
# A unit that is active on no sample has $\mathbb{1}[Z_1 > 0] = 0$ in its whole column, so N6 sends
# no gradient to its weights and bias, and it never moves again: the
# [dead neuron](neuron.py#a-neuron-that-never-fires) of the single-neuron notebook, inside a network.
# The others share the work. A network of ReLU units computes a piecewise linear function, with a
# bend wherever a hidden unit switches on or off; the fitted curve shows the bends.

# %%
grid = np.linspace(-3.0, 3.0, 301).reshape(-1, 1)
fitted = forward_pass(grid, **params, Y=np.zeros((301, 1))).Yhat  # Y only enters the loss
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.scatter(X[:, 0], Y[:, 0], s=14, color="tab:gray", label="samples")
ax.plot(grid[:, 0], np.sin(grid[:, 0]), "--", color="tab:green", linewidth=1, label="sin x")
ax.plot(grid[:, 0], fitted[:, 0], color="tab:orange", label="network")
ax.set_xlabel("input x")
ax.set_ylabel("output")
ax.set_title("The trained network against the data")
ax.legend()
ax.grid(True, alpha=0.3)
show(fig, "The samples, the curve sin x, and the network's output: a piecewise linear "
          "curve with a few bends that follows sin x across the interval from -3 to 3.")
