"""Admin of billing (fees.py); Django imports this package."""
from . import fees  # noqa: F401 - imported for its admin.register side effects
