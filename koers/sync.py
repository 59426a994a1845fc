"""`koers sync`: refresh every CBS table the indicator catalogue knows from CBS's live APIs, only
when CBS changed it since its last import.

Per table: ask the API for the table's modified date (OData4 `Properties.Modified`, v3
`TableInfos[0].Modified`), compare it with the date kept at its last import, and only when newer
(or never imported from the API) fetch the table and commit it — whole or nothing, per table. A
table that fails is one line; the others go on.

Where the dates are kept: no new column. The import log's `checksum` of a synced import reads
`cbs-modified=<Modified>;<sha256 of the data>`, and its `file` the URL fetched, with the OData4
`$filter` of the slice. A later sync reuses the filter found there; a table never synced (or
imported from a folder, as the demo does) gets the slice of `CBS_API_TABLES` — the demo's slice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

from koers.errors import KoersError
from koers.i18n import Message
from koers.indicators.catalogue import CATALOGUE
from koers.progress import Progress, no_progress
from koers.settings import cbs_base_url

if TYPE_CHECKING:
    from koers.access import Actor
    from koers.store import ImportBatch, ImportResult, Store

MODIFIED_PREFIX = "cbs-modified="


@dataclass(frozen=True)
class CbsTable:
    """A CBS table that `koers sync` fetches, and which slice of it."""

    table_id: str
    api: str  # "odata4" (datasets.cbs.nl) or "odata3" (opendata.cbs.nl ODataFeed)
    filter: str | None = None  # OData4: the $filter of the observations
    levels: tuple[str, ...] | None = None  # v3: the region levels kept


# The demo's slice (koers/demo/build.py DEMO_SOURCES, and the recordings' index.json): 03759ned's
# totals for sex, age and marital status in the Netherlands, provinces and municipalities.
_POPULATION_SLICE = ("Geslacht eq 'T001038' and Leeftijd eq '10000' and BurgerlijkeStaat eq 'T001019' and "
                     "(startswith(RegioS,'NL') or startswith(RegioS,'PV') or startswith(RegioS,'GM')) "
                     "and Perioden ge '2019JJ00'")
CBS_API_TABLES: dict[str, CbsTable] = {t.table_id.lower(): t for t in (
    CbsTable("03759ned", "odata4", filter=_POPULATION_SLICE),
    CbsTable("83625NED", "odata4", filter="Perioden ge '2015JJ00'"),
    CbsTable("84799NED", "odata3", levels=("NL", "PV", "GM")),
)}
# 70072ned is in the catalogue by its StatLine CSV column names, which its v3 feed does not use.


@dataclass(frozen=True)
class SyncOutcome:
    """What a sync did with one table. `state`: updated, current, failed or skipped."""

    table: str
    state: str
    modified: str | None = None  # the table's modified date at CBS, as sent
    result: ImportResult | None = None
    problem: Message | None = None

    def message(self, number: Callable[[int], str] = str) -> Message:
        """The summary line; `number` writes a count in the reader's language."""
        if self.state == "updated":
            assert self.result is not None
            return Message("cli.sync_updated", table=self.table, new=number(self.result.rows_new),
                           revised=number(self.result.rows_revised))
        if self.state == "current":
            return Message("cli.sync_current", table=self.table, modified=(self.modified or "")[:10])
        if self.state == "failed":
            return Message("cli.sync_failed", table=self.table, problem=self.problem or "")
        return Message("cli.sync_skipped", table=self.table)


def catalogue_tables() -> list[str]:
    """Every source table the catalogue names, once each (case-insensitive), in a fixed order."""
    seen: dict[str, str] = {}
    for indicator in CATALOGUE:
        for source in indicator.sources:
            seen.setdefault(source.table.lower(), source.table)
    return [seen[key] for key in sorted(seen)]


def _base_url(api: str, explicit: str | None) -> str:
    from koers.sources import cbs_odata3, cbs_odata4

    default = cbs_odata4.DEFAULT_BASE_URL if api == "odata4" else cbs_odata3.DEFAULT_BASE_URL
    return (explicit or cbs_base_url(api) or default).rstrip("/")


def remote_modified(table: CbsTable, base_url: str) -> str:
    """The table's modified date as CBS sends it (ISO 8601 text)."""
    from koers.sources.common import ODataClient

    client = ODataClient()
    root = f"{base_url}/{quote(table.table_id)}"
    if table.api == "odata4":
        url = f"{root}/Properties"
        modified = client.get(url).get("Modified")
    else:
        url = f"{root}/TableInfos"
        infos = client.all_values(url, "odata.nextLink")
        modified = infos[0].get("Modified") if infos else None
    if not modified:
        raise KoersError("errors.sync.no_modified", url=url)
    return str(modified)


def _moment(text: str) -> dt.datetime | None:
    """An ISO date-time as a naive UTC moment (v3 sends no offset: taken as is)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def recorded_modified(checksum: str | None) -> str | None:
    if checksum and checksum.startswith(MODIFIED_PREFIX):
        return checksum.removeprefix(MODIFIED_PREFIX).split(";", 1)[0]
    return None


def is_newer(remote: str, recorded: str | None) -> bool:
    """True when CBS's date is later than the recorded one, or nothing comparable was recorded."""
    if recorded is None:
        return True
    then, now = _moment(recorded), _moment(remote)
    if then is None or now is None:
        return remote != recorded
    return now > then


def recorded_filter(file: str | None) -> str | None:
    """The OData4 $filter in the URL an import was fetched from, if any."""
    if not file or "?" not in file:
        return None
    values = parse_qs(urlsplit(file).query).get("$filter")
    return values[-1] if values else None


def _fetch(table: CbsTable, base_url: str, filter: str | None, modified: str, progress: Progress) -> ImportBatch:
    """The table from the API as a batch, its import log entry carrying the modified date and filter."""
    from koers.sources import cbs_odata3, cbs_odata4

    if table.api == "odata4":
        batch = cbs_odata4.load(table.table_id, base_url, filter, progress)
        file = f"{base_url}/{quote(table.table_id)}" + (f"?$filter={quote(filter)}" if filter else "")
    else:
        batch = cbs_odata3.load(table.table_id, base_url, levels=table.levels, progress=progress)
        file = batch.file
    return dataclasses.replace(batch, file=file, checksum=f"{MODIFIED_PREFIX}{modified};{batch.checksum}")


def sync_table(table: CbsTable, open_store: Callable[[], AbstractContextManager[Store]], actor: Actor,
               base_url: str, progress: Progress = no_progress) -> SyncOutcome:
    """One table: up to date, or fetched and committed. Raises nothing a person cannot read:
    every KoersError (network, server, refused batch) becomes a failed outcome."""
    try:
        progress("Properties", 0.0)
        modified = remote_modified(table, base_url)
        with open_store() as store:
            last = store.last_import_of(table.table_id)
        file, checksum = last if last else (None, None)
        if last and not is_newer(modified, recorded_modified(checksum)):
            progress("actueel / up to date", 1.0)
            return SyncOutcome(table.table_id, "current", modified)
        filter = recorded_filter(file) or table.filter
        batch = _fetch(table, base_url, filter, modified, lambda step, f: progress(step, 0.05 + 0.45 * f))
        with open_store() as store:
            result = store.commit_import(batch, lambda step, f: progress(step, 0.5 + 0.5 * f), actor=actor)
        return SyncOutcome(table.table_id, "updated", modified, result)
    except KoersError as error:
        return SyncOutcome(table.table_id, "failed", problem=error.explanation)


def sync_cbs(open_store: Callable[[], AbstractContextManager[Store]], actor: Actor, *,
             odata4_url: str | None = None, odata3_url: str | None = None,
             progress: Progress = no_progress, table_progress: Progress = no_progress,
             on_outcome: Callable[[SyncOutcome], None] | None = None) -> list[SyncOutcome]:
    """Refresh every CBS table of the catalogue; the others are reported as skipped.

    `open_store` opens the store for a short while (reading the last import, then committing):
    it is not held while a table downloads. `progress` is overall, `table_progress` within the
    table at hand; `on_outcome` hears each table as it is done.
    """
    from koers.access import Permission, require

    require(actor, Permission.import_data)  # before any download
    tables = catalogue_tables()
    refreshable = [CBS_API_TABLES[t.lower()] for t in tables if t.lower() in CBS_API_TABLES]
    outcomes = [SyncOutcome(t, "skipped") for t in tables if t.lower() not in CBS_API_TABLES]
    urls = {"odata4": _base_url("odata4", odata4_url), "odata3": _base_url("odata3", odata3_url)}
    for index, table in enumerate(refreshable):
        def report(step: str, fraction: float, index: int = index, table: CbsTable = table) -> None:
            table_progress(f"{table.table_id}: {step}", fraction)
            progress(table.table_id, (index + fraction) / len(refreshable))

        outcome = sync_table(table, open_store, actor, urls[table.api], report)
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    progress("klaar / done", 1.0)
    return outcomes


def failed(outcomes: list[SyncOutcome]) -> bool:
    return any(o.state == "failed" for o in outcomes)


__all__ = ["CBS_API_TABLES", "CbsTable", "SyncOutcome", "catalogue_tables", "failed", "sync_cbs", "sync_table"]
