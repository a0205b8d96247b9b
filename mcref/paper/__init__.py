"""The rules of Parr and Howard's paper, one module per section of its reference.

Importing this package registers every rule of the paper. A new section's
module is added to the import below and nowhere else in the library.
"""

from mcref.paper import chain, elementwise, expansion, jacobians, loss, neuron, reductions, scalar

# in the paper's order, §2 to §6
__all__ = ["chain", "elementwise", "expansion", "jacobians", "loss", "neuron", "reductions", "scalar"]
