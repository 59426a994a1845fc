"""The demo database: the real CBS data shipped in `data/cbs/` plus the region registry, and the
Kiesraad's official Tweede Kamer results of 2017, 2021 and 2023 shipped in `data/kiesraad/`.

Built in a temporary file next to the target and moved into place at the end, so a dashboard
starting meanwhile never sees half a database.
"""

from __future__ import annotations

import os
from pathlib import Path

from koers.access import Actor, Role
from koers.sources import cbs_odata3, cbs_odata4, kiesraad
from koers.settings import DATA
from koers.progress import Progress, no_progress
from koers.store import ImportResult, Store

# Who imports the demo's CBS data: the installation itself, named so in the audit trail (never
# the local user of a dashboard, who may be someone else by the time anyone reads the trail).
DEMO_BUILDER = Actor("demo", "Demodatabase (opbouw)", Role.admin)

# (importer, folder under data/cbs, options); 84799NED at municipality level only.
DEMO_SOURCES = [
    ("cbs-odata4", "03759ned", {}),
    ("cbs-odata4", "83625NED", {}),
    ("cbs-odata3", "84799NED", {"levels": ("NL", "PV", "GM")}),
]


def build_demo(target: Path, data_dir: Path = DATA, progress: Progress = no_progress,
               loop_examples: bool = True) -> list[ImportResult]:
    """Build the demo database at `target`. `loop_examples`: also the invented learning loop for
    Amsterdam (`koers.demo.loop`); the tests' demo leaves it out and adds it where it is tested."""
    target = Path(target)
    temporary = target.with_name(target.name + ".tmp")
    for leftover in (temporary, Path(str(temporary) + ".wal")):
        leftover.unlink(missing_ok=True)
    results = []
    with Store.open(temporary) as store:
        for step, (kind, folder, options) in enumerate(DEMO_SOURCES):
            progress(f"{kind} {folder}", step / len(DEMO_SOURCES))
            source = str(data_dir / "cbs" / folder)
            batch = cbs_odata4.load(source) if kind == "cbs-odata4" else cbs_odata3.load(source, **options)
            results.append(store.commit_import(batch, actor=DEMO_BUILDER))
        # After 03759ned: the store checks the Kiesraad's municipalities against the registry it brings.
        progress("kiesraad", len(DEMO_SOURCES) / (len(DEMO_SOURCES) + 1))
        results.append(store.commit_import(kiesraad.load(data_dir / "kiesraad"), actor=DEMO_BUILDER))
        # Invented series for the KPI inputs no shipped file feeds, and example targets.
        from koers.demo.examples import add_examples
        from koers.kpis.library import load_library

        library = load_library()
        add_examples(store, library)
        if loop_examples:
            from koers.demo.loop import add_loop_examples

            progress("voorbeelden leercyclus", 0.95)
            add_loop_examples(store, library)
        store.checkpoint()
    os.replace(temporary, target)
    Path(str(target) + ".wal").unlink(missing_ok=True)
    progress("done", 1.0)
    return results
