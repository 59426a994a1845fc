"""Metric modules (KPI definitions per Gemeente Agenda theme) arrive with the metric-layer issue."""
