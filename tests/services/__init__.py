"""Service-level tests."""
