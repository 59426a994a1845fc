"""The canonical indicator model and catalogue: each quantity once, whatever its source."""
