"""The analysts' content: the KPI model (`model.py`), the built-in KPIs per theme (`theme_*.py`) and own YAML definitions (`custom/`)."""
