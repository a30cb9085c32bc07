"""Admin of returns and factory returns."""
