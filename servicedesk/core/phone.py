"""Phone numbers as Chinese callers give them: 138 1234 5678, +86-138...,
010-12345678. Customers are matched on the normalised form (digits only,
country prefix removed)."""

import re

_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str) -> str:
    digits = _DIGITS.sub("", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def is_valid_phone(normalized: str) -> bool:
    # Mobile: 11 digits starting 1[3-9]; landline: area code with 0, 10-12 digits;
    # service numbers such as 400/800 lines: 10 digits.
    return bool(re.fullmatch(r"1[3-9]\d{9}|0\d{9,11}|[48]00\d{7}|\d{7,8}", normalized))


def mask_phone(normalized: str) -> str:
    """138****1234 (issue 5: privacy for those who may not see the number)."""
    if len(normalized) < 7:
        return "*" * len(normalized)
    return normalized[:3] + "*" * (len(normalized) - 7) + normalized[-4:]
