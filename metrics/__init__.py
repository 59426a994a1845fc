"""The analysts' content: the KPI model (`model.py`), the built-in KPIs per theme (`theme_*.yaml`) and own YAML definitions (`custom/`)."""
