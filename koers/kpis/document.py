"""The KPI catalogue as Markdown (`docs/metrics.md`): generated from the library, so that the
committed copy is the version record of what the KPIs are. A test fails when it is out of date."""

from __future__ import annotations

from pathlib import Path

from koers.kpis.library import Library
from metrics.model import THEME_TITLES, FormulaDefinition, IndicatorDefinition, Kpi, RatioDefinition

KIND_NL = {"input": "input", "output": "output", "outcome": "outcome (maatschappelijk effect)", "context": "context"}
# Which BBV set the numbers in the BBV column follow. The set has changed over the years (Halt went
# from per 10,000 to per 1,000 young people aged 12-17, the Wmo from per 1,000 to per 10,000 inhabitants).
BBV_SET = ("Regeling beleidsindicatoren gemeenten (BBV), de set zoals waarstaatjegemeente.nl die sinds 2024 publiceert: "
           "criminaliteit per 1.000 inwoners, Halt-verwijzingen per 1.000 jongeren van 12 tot 18 jaar, "
           "Wmo-cliënten per 10.000 inwoners")
POLARITY_NL = {"higher_is_better": "hoger is beter", "lower_is_better": "lager is beter", "neither": "geen richting"}


def definition_text(kpi: Kpi) -> str:
    definition = kpi.definition
    if isinstance(definition, IndicatorDefinition):
        return f"`{definition.indicator}`"
    if isinstance(definition, RatioDefinition):
        return f"`{definition.numerator}` / `{definition.denominator}` × {definition.scale:,}".replace(",", ".")
    assert isinstance(definition, FormulaDefinition)
    return f"`{definition.formula}`"


def render(library: Library) -> str:
    lines = [
        "# KPI-catalogus Koers",
        "",
        "Gegenereerd door `python -m koers metrics catalog` uit de ingebouwde bibliotheek (`metrics/theme_*.yaml`)",
        "en de eigen definities (`metrics/custom/`). Niet met de hand bewerken.",
        "",
        f"{len(library.kpis)} KPI's. Per thema: soort in de resultatenketen, definitie, bron en richting.",
        "",
        f"BBV-nummers volgen de {BBV_SET}. Een KPI waarvan de reeks een BBV-indicator alleen benadert,",
        "krijgt geen BBV-nummer; de beschrijving zegt waarin hij afwijkt.",
        "",
    ]
    for theme, (nl, en) in THEME_TITLES.items():
        kpis = sorted((k for k in library.kpis.values() if k.theme == theme), key=lambda k: (k.kind, k.id))
        lines += [f"## Thema {int(theme)}: {nl}", "", f"*{en}* — {len(kpis)} KPI's", "",
                  "| id | titel | soort | definitie | eenheid | bron | richting | BBV | draagt bij aan |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for k in kpis:
            lines.append(
                f"| `{k.id}` | {k.title.nl} | {KIND_NL[k.kind]} | {definition_text(k)} | {k.unit} | {k.source} | "
                f"{POLARITY_NL[k.polarity]} | {k.bbv or ''} | {', '.join(f'`{c}`' for c in k.contributes_to)} |"
            )
        lines.append("")
    lines += ["## Indicatoren zonder meegeleverde echte data", "",
              "Deze KPI's rusten op invoer die geen meegeleverd CBS-bestand vult; de demo toont ze met",
              "voorbeelddata (fictief). Zo vult u ze met echte cijfers:", "",
              "| KPI | te vullen uit |", "|---|---|"]
    for k in sorted(library.kpis.values(), key=lambda k: k.id):
        if k.fill_from:
            lines.append(f"| `{k.id}` | {k.fill_from} |")
    lines.append("")
    return "\n".join(lines)


def write_catalog(library: Library, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(library), encoding="utf-8")

