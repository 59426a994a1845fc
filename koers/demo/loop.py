"""The demo's invented learning loop for Amsterdam: a few annotations, actions (one overdue), a
revised target and two review sessions, so that Leren, Reviewsessies, Presentatie and a report
show what they are for on the first click.

Everything here is fiction and says so: written by `EXAMPLE_AUTHOR` ("Voorbeeld (fictief)"),
texts starting with "Voorbeeld:", the target revision under the example targets' source.
`python -m koers examples remove` (`Store.remove_examples`) takes it all out again. Due dates are
relative to the day the demo is built, so the overdue action is overdue whenever it is built.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from koers.demo.examples import EXAMPLE_ACTOR
from koers.loop import learning, review
from koers.kpis.evaluate import evaluate
from koers.kpis.library import Library
from koers.store import EXAMPLE_AUTHOR, EXAMPLE_TITLE, Store

REGION = "GM0363"

ANNOTATIONS = [  # kpi_id, period, kind, text
    ("new_dwellings_per_1000", "2023", "explanation",
     "Voorbeeld: grote bouwprojecten schoven door naar 2024 na de stikstofuitspraak; de dip is vertraging, geen trendbreuk."),
    ("youth_unemployment", "2024", "observation",
     "Voorbeeld: de daling zit vooral bij mbo-verlaters in Nieuw-West, waar het jongerenloket sinds 2023 open is."),
    ("trust_in_council", "2024", "hypothesis",
     "Voorbeeld: wijkgesprekken vóór besluiten vergroten het vertrouwen; te toetsen bij de volgende meting."),
]
ACTIONS = [  # title, owner, days from today, status, kpi_ids, expected effect
    ("Voorbeeld: versnellingsteam woningbouw", "Programma Wonen", -30, "in_progress", ["new_dwellings_per_1000"],
     "Voorbeeld: 2.000 extra woningen per jaar vanaf 2025"),
    ("Voorbeeld: jongerenloket naar alle stadsdelen", "Werk, Participatie en Inkomen", 120, "planned", ["youth_unemployment"],
     "Voorbeeld: jeugdwerkloosheid 1 procentpunt lager in 2026"),
    ("Voorbeeld: digitale aanvragen in eenvoudige taal", "Dienstverlening", -200, "done", ["online_requests_share"],
     "Voorbeeld: meer aanvragen digitaal afgerond"),
]
SESSIONS = [  # title, year of the values, reference date, stage, items (kind, kpi_id, text, direction)
    ("Voorbeeld: najaarsreview 2024", 2023, dt.date(2024, 11, 14), "adjust", [
        ("finding", "new_dwellings_per_1000", "Voorbeeld: de woningbouw blijft achter bij het doel.", None),
        ("decision", None, "Voorbeeld: een versnellingsteam woningbouw instellen.", None),
        ("expected_effect", "new_dwellings_per_1000", "Voorbeeld: meer nieuwbouw in 2024.", "up"),
        ("expected_effect", "youth_unemployment", "Voorbeeld: minder werkloze jongeren.", "down"),
    ]),
    ("Voorbeeld: voorjaarsreview 2025", 2024, dt.date(2025, 4, 10), "check", [
        ("finding", "youth_unemployment", "Voorbeeld: de jeugdwerkloosheid daalt, het sterkst waar het loket open is.", None),
        ("decision", "youth_unemployment", "Voorbeeld: het jongerenloket uitbreiden naar alle stadsdelen.", None),
        ("expected_effect", "youth_unemployment", "Voorbeeld: verdere daling in 2025.", "down"),
    ]),
]
# An outcome's example target, relaxed (x the original): only outcomes get example targets.
REVISED_TARGET = ("gas_use_per_dwelling", 2026, 1.05, "Voorbeeld: bijgesteld na vertraging van het warmtenet")


def add_loop_examples(store: Store, library: Library, today: dt.date | None = None,
                      results: pd.DataFrame | None = None) -> dict[str, int]:
    """Write the invented learning loop (KPIs the library lacks are skipped); returns counts.
    `results`: every KPI evaluated on the store as it is (`koers.kpis.evaluate.evaluate`), when
    the caller has it already."""
    today = today or dt.date.today()
    known = set(library.kpis)
    annotations = [a for a in ANNOTATIONS if a[0] in known]
    for kpi_id, period, kind, text in annotations:
        learning.save_annotation(store, library, EXAMPLE_ACTOR, {"kpi_id": kpi_id, "region_code": REGION,
                                                                 "period": period, "kind": kind, "text": text})
    actions = [a for a in ACTIONS if set(a[4]) <= known]
    for title, owner, days, status, kpi_ids, effect in actions:
        learning.save_action(store, library, EXAMPLE_ACTOR, {
            "region_code": REGION, "title": title, "owner": owner, "due_date": today + dt.timedelta(days=days),
            "status": status, "kpi_ids": kpi_ids, "expected_effect": effect})
    kpi_id, year, factor, reason = REVISED_TARGET
    original = store.targets(kpi_id, REGION)
    original = original[original["year"] == year]
    if len(original):  # revised under the example targets' own source, so `examples remove` takes it too
        row = original.iloc[0]
        store.upsert_targets(pd.DataFrame({"kpi_id": [kpi_id], "region_code": [REGION], "year": [year],
                                           "value": [round(float(row["value"]) * factor, 1)],
                                           "tolerance": [row["tolerance"]], "note": [reason]}),
                             EXAMPLE_TITLE, set_by=EXAMPLE_AUTHOR, actor=EXAMPLE_ACTOR)
    sessions = 0
    # The KPI values of every region and year, evaluated once for both sessions' snapshots (the
    # evaluation is the slow part of a snapshot, and nothing written here changes a KPI value).
    results = evaluate(store, library) if results is None else results
    mine = results["region_code"] == REGION
    for title, values_year, reference_date, stage, items in SESSIONS:
        # A snapshot reads the region's own series and every region's values of its year, nothing
        # else: handed just those rows (a twelfth of them), its many filters run that much faster.
        read = results[mine | (results["period"] == str(values_year))]
        session_id = review.create_session(store, library, EXAMPLE_ACTOR, REGION, values_year, title, reference_date,
                                           results=read)
        for kind, item_kpi, text, direction in items:
            if item_kpi is None or item_kpi in known:
                review.save_item(store, library, EXAMPLE_ACTOR, {"session_id": session_id, "kind": kind, "kpi_id": item_kpi,
                                                                  "text": text, "expected_direction": direction})
        review.set_stage(store, EXAMPLE_ACTOR, session_id, stage, version=1)
        sessions += 1
    return {"annotations": len(annotations), "actions": len(actions), "sessions": sessions}
