"""Importers: each turns one kind of source into an `ImportBatch` for `Store.commit_import`.

Adding a data source touches one module here (plus the CLI line that offers it).
"""
