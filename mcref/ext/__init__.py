"""Rules beyond the paper: layers, quadratic forms, activations, softmax, losses, a network.

A rule is an extension because its module lives here; nothing else marks it.
Importing this package registers every extension rule. A new module is added to
the import below and nowhere else in the library.
"""

from mcref.ext import activations, layers, network, quadratic, regression, softmax, symmetric

# in the order of the site's "Beyond the paper" pages
__all__ = ["activations", "layers", "network", "quadratic", "regression", "softmax", "symmetric"]
