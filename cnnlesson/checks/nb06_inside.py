"""Exercise checkers for notebook 06_inside."""

from __future__ import annotations

__all__: list[str] = []
