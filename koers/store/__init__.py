"""The indicator store: the only package that talks to DuckDB (and to PostgreSQL).

One DuckDB file holds the region registry, the indicator catalogue, every observation with its
history, the import log, targets, what people write (with its audit trail) and review sessions —
or, with `KOERS_DATABASE_URL` set, what people write lives in PostgreSQL, shared (`shared`).
`Store` is the one way in: `with Store.open(path) as store: ...`.

`Store` is a thin facade put together from one mixin per concern, each in its own module, all on
the common base `Connection` (which holds the connection). Mixins rather than delegation: the parts
call each other through `self` (an import updates the registry and writes an audit entry, inside
one transaction), and the rest of Koers calls one object with the same method names as before,
without a forwarding method per name:

    connection    opening with a lock wait, schema check and upgrade, `transaction()`, `checkpoint()`
    shared        where what people write lives: this file, or PostgreSQL (`KOERS_DATABASE_URL`)
    snapshots     published read versions of the file (`KOERS_SNAPSHOTS`): readers never wait for an import
    schema        tables and views by version, migrations
    regions       the region registry, successors and predecessors (the merger walk)
    observations  indicators, observations as shown and as imported, revisions, the import log
    staging       `ImportBatch` -> `commit_import` / `dry_run_import` (their SQL: staging_sql)
    targets       targets and their revisions
    records       annotations, actions, review items, governance; the audit trail
    reviews       review sessions and their frozen snapshots
    boundaries    each year's municipal and district boundaries, written with an import, read as GeoJSON
    quality       coverage, freshness, latest values, the municipality profile, nearest peers' context
    kpi_query     KPI evaluation from the engine's `EvaluationQuery`, trend lines
    examples      the demo's invented figures, and removing them
    memberships   region memberships per year (labour-market region, GGD region, COROP …)

Nothing outside this package writes SQL or touches the connection: values reach SQL only as `?`
parameters or registered Arrow tables, and the few identifiers spliced into SQL text come from
fixed lists in these modules or from our own numbering.
"""

from __future__ import annotations

from koers.errors import Conflict
from koers.store.boundaries import Boundaries
from koers.store.connection import database_signature
from koers.store.examples import EXAMPLE_AUTHOR, EXAMPLE_KIND, EXAMPLE_PRECEDENCE, EXAMPLE_SOURCE, EXAMPLE_TITLE, ExampleData
from koers.store.kpi_query import EvaluationQuery, KpiQueries
from koers.store.memberships import Memberships
from koers.store.quality import PeerContext, Quality
from koers.store.records import RECORDS, RecordKind
from koers.store.reviews import Reviews
from koers.store.schema import SCHEMA_VERSION, STATUSES, migrate
from koers.store.staging import BOUNDARY_SCHEMA, MEMBERSHIP_SCHEMA, OBSERVATION_SCHEMA, REJECTED_SCHEMA, ImportBatch, ImportResult, Staging
from koers.store import snapshots
from koers.store.shared import SHARED_TABLES, audit_length, read_document, shared_signature, shown_url
from koers.store.targets import Targets


class Store(Staging, Targets, Reviews, ExampleData, Quality, PeerContext, KpiQueries, Memberships, Boundaries):
    """A connection to one Koers database file. Use `Store.open(...)` as a context manager."""


__all__ = [
    "Store", "ImportBatch", "ImportResult", "EvaluationQuery", "Conflict", "RecordKind", "RECORDS",
    "OBSERVATION_SCHEMA", "REJECTED_SCHEMA", "MEMBERSHIP_SCHEMA", "BOUNDARY_SCHEMA", "SCHEMA_VERSION", "STATUSES", "EXAMPLE_SOURCE", "EXAMPLE_TITLE",
    "EXAMPLE_AUTHOR", "EXAMPLE_KIND", "EXAMPLE_PRECEDENCE", "database_signature", "migrate", "SHARED_TABLES",
    "shared_signature", "audit_length", "shown_url", "snapshots", "read_document",
]
