"""Exercise checkers for notebook 05_classifier."""

from __future__ import annotations

__all__: list[str] = []
