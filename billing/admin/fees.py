"""Admin of warranty terms, the fee schedule, charges, payments and parts stock."""
