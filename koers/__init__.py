"""Koers: outcome steering for Dutch municipalities — the engine (store, sources, KPIs, learning loop, CLI)."""

__version__ = "0.1.0"
