"""Exercise checkers for notebook 02_convolution."""

from __future__ import annotations

__all__: list[str] = []
