"""Exercise checkers for notebook 04_backprop."""

from __future__ import annotations

__all__: list[str] = []
