# %% [markdown]
# # Training the paper's neuron
#
# The paper ends (§6) with the loss of a single ReLU neuron and its gradient. This notebook uses
# that gradient for what it is for: fitting the neuron to data by gradient descent. Every number
# below comes from `mcref`, and the site runs the notebook each time it is built, so the outputs
# are real.
#
# The neuron maps an input $\mathbf{x}$ to $\max(0, \mathbf{w} \cdot \mathbf{x} + b)$. Given $N$
# samples $\mathbf{x}_i$ with targets $y_i$, the loss is the mean squared error
#
# $$
# C(\mathbf{w}, b) = \frac{1}{N} \sum_{i=1}^{N} \big(y_i - \max(0, \mathbf{w} \cdot \mathbf{x}_i + b)\big)^2 ,
# $$
#
# and its gradients are the rules [L1](../rules/loss.md#L1) and [L2](../rules/loss.md#L2). With
# $z_i = \mathbf{w} \cdot \mathbf{x}_i + b$ and the error $e_i = z_i - y_i$:
#
# $$
# \frac{\partial C}{\partial \mathbf{w}} = \frac{2}{N} \sum_{i:\, z_i > 0} e_i \, \mathbf{x}_i^T ,
# \qquad
# \frac{\partial C}{\partial b} = \frac{2}{N} \sum_{i:\, z_i > 0} e_i .
# $$
#
# Only *active* samples, those with $z_i > 0$, appear in the sums: the output of an inactive sample
# is the constant 0, so a small change of $\mathbf{w}$ or $b$ does not move its term of the loss.
#
# The page is built from <a href="neuron.py" download>neuron.py</a>, a Python script in Jupytext's
# percent format: open it in Jupyter with Jupytext installed, or run it with `ipython neuron.py`.
# Its figures go through a small helper, <a href="../helpers/figures.py" download>figures.py</a>,
# which the script imports from a folder `helpers` next to it.

# %%
import numpy as np
from helpers.figures import plt, show  # matplotlib off screen; show(fig, alt) puts a PNG on the page

import mcref
from mcref.paper.loss import grad_loss_b, grad_loss_blocked, grad_loss_w, gradient_step, loss

# %% [markdown]
# ## The data
#
# One feature, so that the fitted neuron can be drawn: 40 points with $x$ in $[-2, 2]$ and a target
# that is itself a ReLU, $\max(0, 1.5x - 0.5)$, plus a little noise. In code, $X$ is the
# $N \times n$ matrix with one sample per row, here $40 \times 1$, and $\mathbf{w}$ is a vector of
# length $n = 1$; nothing below depends on $n$ being 1.

# %%
rng = np.random.default_rng(6)
N = 40
x = rng.uniform(-2.0, 2.0, size=N)
y = np.maximum(0.0, 1.5 * x - 0.5) + 0.15 * rng.normal(size=N)
X = x.reshape(N, 1)

w, b = np.array([0.3]), 0.5  # the starting point
print("X:", X.shape, " y:", y.shape, " w:", w.shape)
print("loss at the start:", round(float(loss(w, b, X, y)), 4))
gw, gb = grad_loss_w(w, b, X, y), grad_loss_b(w, b, X, y)
print("gradient with respect to w (L1):", gw, "shape", gw.shape)
print("derivative with respect to b (L2):", gb, "shape", gb.shape)

# %% [markdown]
# Both come back in numerator layout: $\partial C / \partial \mathbf{w}$ is a $1 \times n$ row and
# $\partial C / \partial b$ a $1 \times 1$ matrix.
#
# ## Checking the gradient against central differences
#
# Before trusting the gradient with the training, compare it with a numerical one.
# [`numerical_jacobian`][mcref.core.numerical.numerical_jacobian] moves $\mathbf{w}$ (or $b$) a little in
# each direction and evaluates the loss twice per entry, knowing nothing of the closed form;
# [`compare_jacobians`][mcref.core.numerical.compare_jacobians] applies the tolerances every rule is
# checked with ([How formulas are checked](../verification.md)). The function below fails loudly on
# a mismatch, and since a failing cell fails the site's build, a wrong gradient cannot reach this
# page.
#
# The loss has a kink wherever some $z_i = 0$. A central difference straddles the kink only when
# $|z_i|$ is smaller than the step times $|x_i|$ (about $10^{-6}$ here), so the check also prints how
# far the closest sample is from it.
#
# The training below does not call the rule functions themselves: it gets both derivatives from
# [`grad_loss_blocked`][mcref.paper.loss.grad_loss_blocked], the form of L1 and L2 written for speed
# (it reads $X$ in blocks of rows that stay in cache; the [Performance](../performance.md) page times
# it). So the check also requires that function to return the verified L1 and L2.

# %%
def check_gradient(w, b):
    """Compare L1 and L2 with central differences of the loss, and the training's fast form with
    L1 and L2; raise if they disagree."""
    results = []
    for rule_id, closed, wrt in (("L1", grad_loss_w, "w"), ("L2", grad_loss_b, "b")):
        numerical = mcref.numerical_jacobian(loss, w, b, X, y, wrt=wrt)
        result = mcref.compare_jacobians(closed(w, b, X, y), numerical, rule_id=rule_id)
        result.raise_if_failed()  # a mismatch stops the notebook, and the build
        results.append(f"{rule_id} passed (max |difference| {result.max_error:.1e})")
    fast_w, fast_b = grad_loss_blocked(w, b, X, y)
    if not (np.allclose(fast_w, grad_loss_w(w, b, X, y)) and np.allclose(fast_b, grad_loss_b(w, b, X, y))):
        raise AssertionError("grad_loss_blocked disagrees with L1 and L2")  # stops the build too
    results.append("grad_loss_blocked agrees")
    z = X @ w + b
    active = int(np.sum(z > 0))
    closest = np.abs(z).min()
    return f"{active}/{N} active, closest |z_i| {closest:.3f}; " + ", ".join(results)


print(check_gradient(w, b))

# %% [markdown]
# ## Gradient descent
#
# Each step moves the parameters against the gradient, with learning rate $\eta$:
#
# $$
# \mathbf{w} \leftarrow \mathbf{w} - \eta \left(\frac{\partial C}{\partial \mathbf{w}}\right)^T ,
# \qquad
# b \leftarrow b - \eta \frac{\partial C}{\partial b} .
# $$
#
# The transpose is there because the gradient is a row and $\mathbf{w}$ a column (erratum
# [E13](../errata.md#E13)). [`gradient_step`][mcref.paper.loss.gradient_step] does one such step,
# with the derivatives from `grad_loss_blocked`. The gradient is checked again at a few steps along
# the way, where different samples are active.

# %%
rate = 0.3
steps = 200
history = [float(loss(w, b, X, y))]
for step in range(1, steps + 1):
    w, b = gradient_step(w, b, X, y, lr=rate)
    history.append(float(loss(w, b, X, y)))
    if step in (10, 50, steps):
        print(f"step {step:3d}: loss {history[-1]:.4f}; {check_gradient(w, b)}")

print(f"fitted: w = {w[0]:.3f}, b = {b:.3f}, loss {history[-1]:.4f}")
true_loss = float(loss(np.array([1.5]), -0.5, X, y))
print(f"the parameters that made the data: w = 1.5, b = -0.5, loss {true_loss:.4f}")

# %% [markdown]
# The fitted parameters are close to the ones that made the data, and their loss is a little lower:
# with the true parameters the loss is exactly the mean square of the added noise, and least squares
# also fits a little of the noise. The loss falls quickly while the neuron finds the slope, then
# levels off.

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(range(steps + 1), history, color="tab:blue")
ax.set_yscale("log")
ax.set_xlabel("gradient descent step")
ax.set_ylabel("loss C (log scale)")
ax.set_title("Mean squared error during training")
ax.grid(True, alpha=0.3)
show(fig, f"Loss against step on a log scale: it falls from {history[0]:.2f} to "
          f"{history[50]:.3f} in the first 50 steps and ends at {history[-1]:.3f}.")

# %%
grid = np.linspace(-2.0, 2.0, 201)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.scatter(x, y, s=14, color="tab:gray", label="samples")
ax.plot(grid, np.maximum(0.0, w[0] * grid + b), color="tab:orange", label="fitted neuron")
ax.axvline(-b / w[0], color="tab:orange", linestyle=":", linewidth=1)
ax.set_xlabel("input x")
ax.set_ylabel("output")
ax.set_title("max(0, w x + b) after training")
ax.legend()
ax.grid(True, alpha=0.3)
show(fig, f"The samples and the fitted neuron: zero up to its kink at x = {-b / w[0]:.2f}, "
          "marked by a dotted line, then a straight line rising through the samples.")

# %% [markdown]
# Samples left of the dotted line are inactive: they add nothing to the gradient, so the slope and
# the bias are learned from the samples on the right alone.
#
# ## A neuron that never fires
#
# The same rule explains a failure. If every sample is inactive, every term of the sums is missing
# and the gradient is exactly zero, so gradient descent never moves: the neuron is *dead*. A bias of
# $-5$ does it here.

# %%
w_dead, b_dead = np.array([0.3]), -5.0
print("active samples:", int(np.sum(X @ w_dead + b_dead > 0)))
print("gradients:", grad_loss_w(w_dead, b_dead, X, y), grad_loss_b(w_dead, b_dead, X, y))
w_moved, b_moved = w_dead, b_dead
for _ in range(100):
    w_moved, b_moved = gradient_step(w_moved, b_moved, X, y, lr=rate)
print("after 100 steps: w =", w_moved, " b =", b_moved)
