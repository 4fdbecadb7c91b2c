"""Exercise checkers for notebook 01_filtering."""

from __future__ import annotations

__all__: list[str] = []
