"""What people write — annotations, actions, review items, governance records — and the audit trail.

Every record people write carries a `version` that a save must name (the version the editor
loaded): a second editor's stale save is refused (`Conflict`), not merged — also when the two
saves come from two replicas at the same moment (the update names the version it read). `audit_log`
is append-only: no method here changes or removes a row of it, and on PostgreSQL a trigger refuses it.
These tables are reached through `_shared` (`koers.store.shared`): the DuckDB file or PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd

from koers.access import Actor, Permission, require
from koers.errors import Conflict, KoersError
from koers.store.connection import Connection
from koers.store.shared import Duplicate, copy_into_postgres


@dataclass(frozen=True)
class RecordKind:
    table: str  # also the entity name in the audit trail
    permission: Permission
    columns: tuple[str, ...]  # what a save may set; id, created_*, updated_*, version, deleted are the store's
    text_key: bool = False  # keyed by a name given by the user (governance: the source table)
    filters: tuple[str, ...] = ()  # further columns `records` may filter on


# The only tables (and columns) that the SQL below names from a variable: entity -> its kind.
RECORDS = {
    "annotation": RecordKind("annotation", Permission.annotate, ("kpi_id", "region_code", "period", "kind", "text")),
    "action": RecordKind("action", Permission.act, ("region_code", "title", "description", "owner", "due_date", "status",
                                                     "kpi_ids", "expected_effect", "review_id")),
    "review_session": RecordKind("review_session", Permission.review, ("title", "stage"), filters=("region_code", "year")),
    "review_item": RecordKind("review_item", Permission.review, ("session_id", "kind", "kpi_id", "text", "expected_direction",
                                                                 "expected_value", "expected_year")),
    "governance": RecordKind("governance", Permission.governance, ("owner", "licence", "legal_basis", "privacy_class",
                                                                   "retention", "refresh_schedule"), text_key=True),
}


# Writes kept outside the database, each with the permission it needs: `record_audit` takes the
# permission from here, never from its caller (a viewer must not be able to name `view`).
AUDITED_FILES = {
    "kpi_definition": Permission.define_kpi,  # metrics/<id>.yaml and its versions (koers.kpis.versions)
    "roles": Permission.manage_users,  # the roles file (koers.roles)
}


def check_version(entity: str, key: object, current: dict | None, loaded: int | None) -> None:
    """Refuse a save that does not start from the record's current version."""
    if current is None and loaded is not None:
        raise KoersError("errors.store.record_gone", entity=entity, key=key)
    if current is not None and loaded != current["version"]:
        by, at = current.get("updated_by") or current.get("set_by"), current.get("updated_at") or current.get("set_at")
        when = f"{at:%d-%m-%Y %H:%M}" if isinstance(at, dt.datetime) else "?"
        raise Conflict("errors.store.changed_meanwhile", entity=entity, key=key, by=by, when=when)


def _json(value: object) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v), ensure_ascii=False,
                      sort_keys=True)


class AuditedRecords(Connection):
    """Saving, deleting and listing records of `RECORDS`, each write with its audit entry."""

    def save_record(self, entity: str, values: dict, actor: Actor, key: int | str | None = None,
                    version: int | None = None) -> dict:
        """Create (`key` None, or a governance source not yet recorded) or change a record of
        `entity` (see `RECORDS`), in one transaction with its audit entry. `version` is the
        version the editor loaded: a record changed since is refused with `Conflict`."""
        kind = RECORDS[entity]
        unknown = set(values) - set(kind.columns)
        if unknown:
            raise ValueError(f"{entity}: no such fields {sorted(unknown)}")
        self._require(actor, entity, values)
        columns = list(values)
        shared = self._shared
        with self.transaction():
            before = None if key is None else shared.row(f"SELECT * FROM {kind.table} WHERE id = ?", [key])
            self._require(actor, entity, before)  # and the municipality it belonged to
            now = dt.datetime.now()
            if before is None and (key is None or kind.text_key):
                check_version(entity, key, None, version)
                if key is None:
                    key = int(shared.value("SELECT nextval('record_id_seq')"))
                names = ["id", *columns, "created_at", "created_by", "updated_at", "updated_by", "version", "deleted"]
                try:
                    shared.run(f"INSERT INTO {kind.table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                               [key, *values.values(), now, actor.name, now, actor.name, 1, False])
                except Duplicate as error:  # a governance record another replica created meanwhile
                    raise Conflict("errors.store.written_meanwhile", entity=entity, key=key) from error
            else:
                if before is None:
                    raise KoersError("errors.store.record_gone", entity=entity, key=key)
                check_version(entity, key, before, version)
                self._update(entity, key, before, ", ".join(f"{c} = ?" for c in columns), list(values.values()), actor, now)
            after = shared.row(f"SELECT * FROM {kind.table} WHERE id = ?", [key])
            self._audit(actor, "create" if before is None else "update", entity, key, before, after)
        return after

    def _update(self, entity: str, key: object, before: dict, assignments: str, values: list, actor: Actor,
                now: dt.datetime) -> None:
        """Change a record only if it is still at the version `before` has: on PostgreSQL, another
        replica may have saved it between our read and this write (the row is locked from here on)."""
        changed = self._shared.run(
            f"UPDATE {RECORDS[entity].table} SET {assignments}, updated_at = ?, updated_by = ?, version = version + 1 "
            "WHERE id = ? AND version = ?", [*values, now, actor.name, key, before["version"]])
        if not changed:
            check_version(entity, key, self._shared.row(f"SELECT * FROM {RECORDS[entity].table} WHERE id = ?", [key]),
                          before["version"])
            raise Conflict("errors.store.written_meanwhile", entity=entity, key=key)

    def delete_record(self, entity: str, key: int | str, actor: Actor, version: int) -> None:
        """Mark a record deleted (it stays, for the audit trail and earlier reports)."""
        kind = RECORDS[entity]
        require(actor, kind.permission, somewhere=True)
        with self.transaction():
            before = self._shared.row(f"SELECT * FROM {kind.table} WHERE id = ?", [key])
            self._require(actor, entity, before)
            if before is None or before["deleted"]:  # nothing to delete: refused, and not in the audit trail
                raise KoersError("errors.store.record_gone", entity=entity, key=key)
            check_version(entity, key, before, version)
            now = dt.datetime.now()
            self._update(entity, key, before, "deleted = ?", [True], actor, now)
            self._audit(actor, "delete", entity, key, before, self._shared.row(f"SELECT * FROM {kind.table} WHERE id = ?", [key]))

    def _require(self, actor: Actor, entity: str, record: dict | None) -> None:
        """Refuse a write of `entity` the actor may not do for the municipality of `record` (the
        values to save, or the record as stored): its `region_code`, a review item's through its
        session; a record of no municipality (governance) needs the permission everywhere."""
        permission = RECORDS[entity].permission
        if entity == "governance":
            require(actor, permission)
            return
        if record is None:
            require(actor, permission, somewhere=True)
            return
        region = record.get("region_code")
        if entity == "review_item" and record.get("session_id") is not None:
            found = self._shared.row("SELECT region_code FROM review_session WHERE id = ?", [record["session_id"]])
            region = found and found["region_code"]
        if region:
            require(actor, permission, region)
        else:
            require(actor, permission, somewhere=True)

    def records(self, entity: str, include_deleted: bool = False, **equal: object) -> pd.DataFrame:
        """The records of `entity`, filtered on columns equal to values (`region_code="GM0363"`)."""
        kind = RECORDS[entity]
        unknown = set(equal) - set(kind.columns) - set(kind.filters) - {"id"}
        if unknown:
            raise ValueError(f"{entity}: no such fields {sorted(unknown)}")
        where = ["true" if include_deleted else "NOT deleted"] + [f"{c} = ?" for c in equal]
        return self._shared.read(f"SELECT * FROM {kind.table} WHERE {' AND '.join(where)} ORDER BY id",
                                 list(equal.values()))

    def record_audit(self, actor: Actor, action: str, entity: str, key: object, before: object, after: object) -> None:
        """The audit entry of a write kept outside the database (`AUDITED_FILES`: KPI definitions,
        the roles file), refused without the permission that write needs; the caller runs it in
        `transaction()` together with writing the file."""
        if entity not in AUDITED_FILES:
            raise ValueError(f"record_audit: no such entity {entity!r}")
        require(actor, AUDITED_FILES[entity])
        self._audit(actor, action, entity, key, before, after)

    @property
    def keeps_documents(self) -> bool:
        """Whether documents people write whole (the roles file) live in the shared database."""
        return self._shared.postgres

    def document(self, name: str) -> str | None:
        """A document kept in the shared database, locked until the transaction ends (PostgreSQL only)."""
        return self._shared.value("SELECT text FROM shared_document WHERE name = ? FOR UPDATE", [name])

    def put_document(self, name: str, text: str, actor: Actor, new: bool) -> None:
        """Write a document (in the caller's transaction, with its audit entry). `new`: it did not
        exist when the editor loaded it — another replica creating it meanwhile is refused."""
        if new:
            try:
                self._shared.run("INSERT INTO shared_document VALUES (?, ?, ?, ?)", [name, text, dt.datetime.now(), actor.name])
            except Duplicate as error:
                raise Conflict("errors.store.written_meanwhile", entity=name, key=name) from error
        else:
            self._shared.run("UPDATE shared_document SET text = ?, saved_at = ?, saved_by = ? WHERE name = ?",
                             [text, dt.datetime.now(), actor.name, name])

    def add_kpi_version(self, kpi_id: str, saved_at: dt.datetime, author: str | None, origin: str | None,
                        document: str) -> int:
        """Keep the next version of an own KPI definition (PostgreSQL only: on one machine they are
        files); returns its number. Callers hold `exclusive("kpi_definition")`; a version another
        replica wrote meanwhile all the same is refused, never overwritten (the key)."""
        try:
            return int(self._shared.value(
                """INSERT INTO kpi_version
                   SELECT ?, coalesce(max(version), 0) + 1, ?, ?, ?, ? FROM kpi_version WHERE kpi_id = ?
                   RETURNING version""", [kpi_id, saved_at, author, origin, document, kpi_id]))
        except Duplicate as error:
            raise Conflict("errors.store.written_meanwhile", entity="KPI", key=kpi_id) from error

    def copy_into_shared(self, actor: Actor, documents: dict[str, str] | None = None,
                         definitions: list[tuple] | None = None) -> dict[str, int]:
        """Copy what people wrote in this DuckDB file, `documents` (name -> text: the roles file)
        and `definitions` (rows of `kpi_version`: the metrics folder's KPI versions) into the
        (empty) shared database of `KOERS_DATABASE_URL` — a single-machine installation moving to
        PostgreSQL — and audit it there. Returns the rows copied per table."""
        require(actor, Permission.manage_users)
        if not self._shared.postgres:
            raise KoersError("errors.store.no_shared_url")
        with self.transaction():
            copied = copy_into_postgres(self._con, self._shared,
                                        {name: (text, actor.name) for name, text in (documents or {}).items()},
                                        definitions)
            self._audit(actor, "import", "shared", self.path.name, None, copied)
        return copied

    def audit_log(self, actor: Actor, entity: str | None = None) -> pd.DataFrame:
        """The audit trail, newest first (administrators only). before/after are JSON texts."""
        require(actor, Permission.audit)
        return self._shared.read(
            """SELECT id, logged_at, actor, actor_name, role, action, entity, entity_id, before, after FROM audit_log
               WHERE CAST(? AS VARCHAR) IS NULL OR entity = ? ORDER BY id DESC""", [entity, entity])

    def _audit(self, actor: Actor, action: str, entity: str, key: object, before: object, after: object) -> None:
        self._shared.run(
            "INSERT INTO audit_log VALUES (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [dt.datetime.now(), actor.id, actor.name, actor.roles_text, action, entity,
             None if key is None else str(key), _json(before), _json(after)])
