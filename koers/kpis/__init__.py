"""The KPI engine: library loading and rules, formula compiler, evaluation, assessment, analysis."""
