"""Admin of billing, split by topic (fees.py, returns.py); Django imports this package."""
from . import fees, returns  # noqa: F401
