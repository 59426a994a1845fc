"""What a KPI is: a declarative pydantic model, no logic.

A policy advisor writes the same thing as YAML::

    id: bijstand_per_10000
    title: {nl: Personen met een bijstandsuitkering, en: Persons on social assistance}
    description: {nl: "...", en: "..."}
    theme: 1
    kind: outcome
    polarity: lower_is_better
    unit: {nl: per 10.000 inwoners van 18 jaar en ouder, en: per 10,000 residents aged 18 and over}
    definition: {type: ratio, numerator: persons_bijstand, denominator: population_18_plus, scale: 10000}
    source: CBS Participatiewet (bijstand)
    bbv: "6.5"
    contributes_to: []

Each definition type is its own model in a discriminated union on `type`, so a ratio cannot carry a
formula's fields and the other way round.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class Theme(IntEnum):
    """The three themes of the VNG Gemeente Agenda 2020."""

    EFFICIENT = 1  # Werken als één efficiënte overheid
    DIGITAL = 2  # Massaal digitaal, maatwerk lokaal
    OPEN = 3  # Open en transparant in de participatiesamenleving


THEME_TITLES = {
    Theme.EFFICIENT: ("Werken als één efficiënte overheid", "Working as one efficient government"),
    Theme.DIGITAL: ("Massaal digitaal, maatwerk lokaal", "Massively digital, locally tailored"),
    Theme.OPEN: ("Open en transparant in de participatiesamenleving", "Open and transparent in the participation society"),
}


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Unit(str):
    """A KPI's unit as read: a str holding its Dutch text — what every reader that predates the
    English unit takes (a rule reading "per 1.000", a stored version, a form field) — that also
    carries `nl` and `en`, as a `Text` does, so `getattr(kpi.unit, lang)` reads like a title."""

    en: str

    def __new__(cls, nl: str, en: str | None = None) -> Unit:
        unit = super().__new__(cls, nl)
        unit.en = en or nl
        return unit

    @property
    def nl(self) -> str:
        return str.__str__(self)

    def __eq__(self, other: object) -> bool:  # two units with the same Dutch text may differ in English
        if isinstance(other, Unit):
            return (self.nl, self.en) == (other.nl, other.en)
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __reduce__(self):  # pickled by st.cache_data with both languages
        return (Unit, (self.nl, self.en))


def _unit(value: str | Text) -> Unit:
    return Unit(value) if isinstance(value, str) else Unit(value.nl, value.en)


def _unit_document(unit: Unit) -> str | dict[str, str]:
    """Written back as it may be written: one string when both languages read the same."""
    return unit.nl if unit.en == unit.nl else {"nl": unit.nl, "en": unit.en}


# In YAML either one string, the same in both languages (the form older definitions and stored
# versions have), or {nl, en}.
UnitField = Annotated[Annotated[str, Field(min_length=1)] | Text, AfterValidator(_unit),
                      PlainSerializer(_unit_document)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IndicatorDefinition(_Strict):
    """The KPI is one indicator from the store as it is."""

    type: Literal["indicator"]
    indicator: Id


class RatioDefinition(_Strict):
    """numerator / denominator x scale; both are indicator or KPI ids."""

    type: Literal["ratio"]
    numerator: Id
    denominator: Id
    scale: Literal[1, 100, 1000, 10000]


class FormulaDefinition(_Strict):
    """Arithmetic over indicator and KPI ids (see koers.kpis.formula for what is allowed)."""

    type: Literal["formula"]
    formula: str = Field(min_length=1, max_length=500)


Definition = Annotated[IndicatorDefinition | RatioDefinition | FormulaDefinition, Field(discriminator="type")]


class Kpi(_Strict):
    id: Id
    title: Text
    description: Text  # what it measures, why it matters, how to read it
    theme: Theme
    kind: Literal["input", "output", "outcome", "context"]
    polarity: Literal["higher_is_better", "lower_is_better", "neither"]
    unit: UnitField
    definition: Definition
    source: str = Field(min_length=1)  # where the figures come from, for people
    fill_from: str = ""  # the CBS table or own source that would fill it when the store has no data
    owner: str = ""
    bbv: str | None = None  # number in the Regeling beleidsindicatoren gemeenten, if any
    privacy_threshold: int = Field(default=0, ge=0)  # smallest count that may be shown
    contributes_to: list[Id] = []  # outcomes an input or output is meant to move
