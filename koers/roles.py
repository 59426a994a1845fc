"""The roles file: reading it, and writing it (administrators only) together with its audit entry.
With a shared database the same text lives there instead, read by every replica (`load_roles`).

The file's format and what it means are in `koers.access` (`RoleSettings`); this module does the
file's I/O. A save is checked against the file as the editor loaded it (its checksum), is
written atomically, and lands in the same step as its audit entry in the store.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from koers.access import MUNICIPALITY_CODE, ROLE_ORDER, Actor, Permission, Role, RoleSettings, require
from koers.errors import Conflict, KoersError
from koers.settings import DATA, shared_database_url
from koers.store import read_document

if TYPE_CHECKING:
    from koers.store import Store

try:  # POSIX: one writer of the roles file at a time (check and write as one step)
    import fcntl
except ImportError:  # pragma: no cover - Windows: the version check alone
    fcntl = None


SHARED_DOCUMENT = "roles"  # its name in the shared database


def roles_path() -> Path:
    return Path(os.environ.get("KOERS_ROLES") or DATA / "roles.toml")


def _role(path: Path, where: str, value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise KoersError("errors.roles.unknown_role", path=path, where=where, value=value, roles=", ".join(ROLE_ORDER)) from None


def read_roles(path: Path | None = None) -> RoleSettings:
    """The roles file; a missing file means: everyone who logs in is a viewer."""
    return load_roles(path)[0]


def load_roles(path: Path | None = None) -> tuple[RoleSettings, str]:
    """The roles file and its checksum as read (one read: the two always belong together).
    The checksum of a missing file is "" ; `save_roles` compares it with the file's at saving.
    With a shared database (`KOERS_DATABASE_URL`) and no `path`, the roles live there, as the
    document `roles` with the same text: every replica reads the same roles."""
    raw = _raw(path)
    if raw is None:
        return RoleSettings(emails={}, groups={}), ""
    return _parse_roles(path or roles_path(), raw), _checksum(raw)


def roles_checksum(path: Path | None = None) -> str:
    """The roles file's checksum now ("" when there is no file); also of a file broken by hand."""
    raw = _raw(path)
    return "" if raw is None else _checksum(raw)


def _raw(path: Path | None) -> bytes | None:
    url = shared_database_url() if path is None else None
    if url:
        text = read_document(url, SHARED_DOCUMENT)
        return None if text is None else text.encode("utf-8")
    try:
        return (path or roles_path()).read_bytes()
    except FileNotFoundError:
        return None


def _checksum(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _parse_roles(path: Path, raw: bytes) -> RoleSettings:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise KoersError("errors.roles.not_valid_toml", path=path, error=error) from None
    emails, email_scopes = _entries(path, "emails", data.get("emails") or {}, lambda k: str(k).strip().casefold())
    groups, group_scopes = _entries(path, "groups", data.get("groups") or {}, str)
    return RoleSettings(
        default_role=_role(path, "default_role", data.get("default_role", "viewer")),
        groups_claim=str(data.get("groups_claim", "groups")),
        emails=emails, groups=groups, email_scopes=email_scopes or None, group_scopes=group_scopes or None,
    )


def _entries(path: Path, table: str, found: dict, key) -> tuple[dict[str, Role], dict[str, tuple[str, ...]]]:
    """A table of the roles file: per name a role (`"advisor"`), or a role for some municipalities
    only (`{ role = "advisor", municipalities = ["GM0344"] }`)."""
    roles: dict[str, Role] = {}
    scopes: dict[str, tuple[str, ...]] = {}
    for name, value in found.items():
        where = f"{table}.{name}"
        if isinstance(value, dict):
            codes = value.get("municipalities")
            if not isinstance(codes, list) or not codes or not all(
                    isinstance(c, str) and MUNICIPALITY_CODE.fullmatch(c) for c in codes):
                raise KoersError("errors.roles.bad_municipalities", path=path, where=where, value=codes)
            scopes[key(name)] = tuple(sorted(set(codes)))
            value = value.get("role")
        roles[key(name)] = _role(path, where, value)
    return roles, scopes


def save_roles(settings: RoleSettings, actor: Actor, loaded_checksum: str, store: Store,
               path: Path | None = None) -> str:
    """Write the roles file (administrators only), if it is still the one the editor loaded
    (`loaded_checksum`, "" for no file); else refused with a one-line message and nothing is
    written. The file is replaced atomically, in the same step as its audit entry (before and
    after) in `store`, a writable store. Returns the new file's checksum."""
    require(actor, Permission.manage_users)
    text = settings.as_toml()
    if path is None and store.keeps_documents:
        return _save_shared(settings, text, actor, loaded_checksum, store)
    path = path or roles_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        current = roles_checksum(path)
        if current != loaded_checksum:
            raise Conflict("errors.roles.changed_meanwhile", path=path)
        old = path.read_bytes() if current else None
        before = None if old is None else _before(path, old)
        temporary = path.with_name(f".{path.name}.tmp")
        written = False
        try:
            with store.transaction():
                try:
                    store.record_audit(actor, "create" if before is None else "update", "roles", str(path), before,
                                       settings.as_dict())
                    _write_atomically(temporary, path, text.encode("utf-8"))
                except BaseException:
                    temporary.unlink(missing_ok=True)
                    raise
                written = True
        except BaseException:
            if written:  # the commit failed, so there is no audit entry: the old file back
                if old is None:
                    path.unlink(missing_ok=True)
                else:
                    _write_atomically(temporary, path, old)
            raise
    return _checksum(text.encode("utf-8"))


def _save_shared(settings: RoleSettings, text: str, actor: Actor, loaded_checksum: str, store: Store) -> str:
    """The roles as the shared database's document: checked, written and audited in one transaction
    (the document's row locked from the check on: another replica's save waits, then is refused)."""
    path = roles_path()  # named in messages and the audit trail as on one machine: roles.toml
    with store.transaction():
        old = store.document(SHARED_DOCUMENT)
        current = "" if old is None else _checksum(old.encode("utf-8"))
        if current != loaded_checksum:
            raise Conflict("errors.roles.changed_meanwhile", path=path.name)
        before = None if old is None else _before(path, old.encode("utf-8"))
        store.record_audit(actor, "create" if before is None else "update", "roles", path.name, before, settings.as_dict())
        store.put_document(SHARED_DOCUMENT, text, actor, new=old is None)
    return _checksum(text.encode("utf-8"))


def _before(path: Path, old: bytes) -> dict:
    try:
        return _parse_roles(path, old).as_dict()
    except KoersError:  # a file broken by hand: kept as text in the audit trail
        return {"text": old.decode("utf-8", errors="replace")}


def _write_atomically(temporary: Path, path: Path, data: bytes) -> None:
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class _locked:
    """An exclusive lock on `<roles file>.lock` while checking and writing."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(f".{path.name}.lock")
        self.handle = None

    def __enter__(self) -> None:
        if fcntl is None:
            return
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()


