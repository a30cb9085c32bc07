"""Pages of returns (requests.py) and returns to the factory (factory.py); common.py holds what both use."""
