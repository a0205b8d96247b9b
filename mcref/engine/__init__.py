"""The derivative engine: an expression in, its derivative out, proven before it is returned.

* [`parse`][mcref.engine.parse]: the text (numpy's or matrixcalculus.org's syntax) to a tree with shapes;
* [`ir`][mcref.engine.ir]: the tree, its simplification and its LaTeX;
* [`reverse`][mcref.engine.reverse]: reverse mode over matrix differentials, each step citing its rule;
* [`exact`][mcref.engine.exact]: the exact check on explicit small instances;
* [`numpy_code`][mcref.engine.numpy_code]: numpy source for the result;
* [`kron`][mcref.engine.kron]: the Kronecker form of a matrix derivative, where it is unambiguous;
* [`derive`][mcref.engine.derive]: the entry point.

The engine imports the standard library and SymPy only, never numpy nor the rest of mcref, so that it
can run where numpy is missing (in a browser, under Pyodide). `tests/test_engine.py` checks it.

Examples:
    >>> from mcref.engine import derive
    >>> d = derive("np.sum(np.exp(W @ x + b))", "x")
    >>> print(d.denominator, "|", d.denominator_shape)
    W^T \\exp\\left(W x + b\\right) | m
"""

from mcref.engine.derive import Derivative, derive
from mcref.engine.errors import DeriveError

__all__ = ["Derivative", "DeriveError", "derive"]
