"""Suggesters, one module per field; each registers with ``@suggester``."""
