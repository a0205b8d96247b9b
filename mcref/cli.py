"""The mcref command line: verify, list and show the registered rules."""

from __future__ import annotations

__all__: list[str] = []
