"""Checks for notebook exercises (filled in with the notebook)."""
__all__: list[str] = []
