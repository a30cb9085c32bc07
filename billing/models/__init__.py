"""Billing: warranty, fees, payments, parts stock (fees.py). Returns and
factory returns live in their own app (returns/)."""
from .fees import *  # noqa: F401,F403 - the package's public names are fees.py's __all__
