"""Koers: outcome steering for Dutch municipalities — the engine (store, importers, CLI)."""

__version__ = "0.1.0"
