"""Exercise checkers for notebook 03_pooling."""

from __future__ import annotations

__all__: list[str] = []
