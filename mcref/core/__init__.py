"""The verification core: what every rule is checked with, and no rule itself.

* [`registry`][mcref.core.registry]: the table of rules, their shapes and sampling domains;
* [`numerical`][mcref.core.numerical]: numerical Jacobians by central differences and their comparison;
* [`check`][mcref.core.check]: check a derivative of your own and diagnose the usual mistakes;
* [`validate`][mcref.core.validate]: the argument checks every public function uses;
* [`errata`][mcref.core.errata]: printed statements our checks refute, with their counterexamples;
* [`layout`][mcref.core.layout]: conversions between numerator and denominator layout;
* [`stable`][mcref.core.stable]: overflow-free elementary functions shared by rule modules.

The core imports numpy and itself only; no module here imports a rule module
(`tests/test_architecture.py` checks it).
"""

from mcref.core import check, errata, layout, numerical, registry, stable, validate

__all__ = ["check", "errata", "layout", "numerical", "registry", "stable", "validate"]
