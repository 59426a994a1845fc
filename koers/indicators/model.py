"""The shape of a canonical indicator (see `koers.indicators.catalogue` for the catalogue itself)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SourceMeasure(BaseModel):
    table: str  # CBS table id as CBS spells it ("03759ned", "84799NED") or an own-source name
    measure: str  # measure code, v3 column key or StatLine column title ("Totale bevolking (aantal)")
    precedence: int = 10


class CanonicalIndicator(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title_nl: str
    title_en: str
    unit: str
    additive: bool  # a count that can be summed over regions (and so over merged municipalities)
    description: str = ""
    sources: list[SourceMeasure] = []
