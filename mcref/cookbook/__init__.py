"""The Matrix Cookbook's chapter on derivatives, checked equation by equation.

K. B. Petersen and M. S. Pedersen, *The Matrix Cookbook* (version of November 15,
2012), section 2: equations (32) to (144). Every entry that states something
checkable is a rule here, with the ID `MCnn` for the book's equation (nn), or
`MCnn.k` for the k-th form of a line that chains several. The verified statement
is the rule; where the book prints something else, `mcref.core.errata` records
what it prints, what is true and the smallest counterexample we found.

The book's layout is the gradient (denominator) layout: the derivative of a
number with respect to a matrix X has the shape of X. The rules store, like
every rule of mcref, the numerator-layout Jacobian with a matrix variable
flattened row by row, and state both layouts.

Importing this package registers every Cookbook rule. A new module is added to
the import below and nowhere else in the library. `spec/cookbook-ids.toml`
lists all 117 entries and what became of each.
"""

from mcref.cookbook import (
    curves,
    determinants,
    differentials,
    eigenvalues,
    forms,
    higher,
    inverses,
    norms,
    structured,
    traces,
)

# alphabetical (ruff); the book's order is that of the site's pages
__all__ = [
    "curves",
    "determinants",
    "differentials",
    "eigenvalues",
    "forms",
    "higher",
    "inverses",
    "norms",
    "structured",
    "traces",
]
