"""Calls: telephony events, the 3-ring rule, callbacks (issue 5)."""
