"""Connectors and file importers, one module per network behind one Platform protocol."""
