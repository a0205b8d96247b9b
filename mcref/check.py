"""Check a derivative of your own against central differences, and diagnose the usual mistakes."""

from __future__ import annotations

__all__: list[str] = []
