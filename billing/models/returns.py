"""Returns and factory returns (issue 6)."""
__all__ = []
