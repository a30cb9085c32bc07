"""Split by topic: fees.py (warranty, fee schedule, charges, payments, parts
stock) and returns.py (returns, factory returns)."""
