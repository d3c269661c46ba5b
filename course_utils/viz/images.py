"""Figures (filled in with the notebook that introduces them)."""
__all__: list[str] = []
