"""Rules beyond the paper: layers, normalization, attention, convolution, quadratic forms, activations, softmax, ...

A rule is an extension because its module lives here; nothing else marks it.
Importing this package registers every extension rule. A new module is added to
the import below and nowhere else in the library.
"""

from mcref.ext import (
    activations,
    attention,
    convolution,
    layers,
    network,
    normalization,
    quadratic,
    regression,
    softmax,
    symmetric,
)

# in the order of the site's "Beyond the paper" pages
__all__ = [
    "activations",
    "attention",
    "convolution",
    "layers",
    "network",
    "normalization",
    "quadratic",
    "regression",
    "softmax",
    "symmetric",
]
