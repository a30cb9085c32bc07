"""Warranty terms, entitlement, the fee schedule, charges, payments, parts stock (issue 6)."""
__all__ = []
