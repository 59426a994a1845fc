"""Who may do what: roles, permissions and the person behind every write.

Four roles, each allowed what the one before it may, plus its own:
- viewer (management): look at the dashboard;
- council (raadslid): also review sessions and their reports, read-only;
- advisor (beleidsadviseur): also define KPIs, write annotations, actions, targets and review sessions;
- admin (beheerder): also imports, users and roles, governance records, the audit trail.

Roles are enforced where the write happens (`koers.store` calls `require` before it opens a
transaction), so a refused write leaves nothing behind, whatever the page showed.

Roles come from a settings file (TOML; `KOERS_ROLES`, else `data/roles.toml`):

    default_role = "viewer"            # anyone who can log in but is not listed
    groups_claim = "groups"            # the ID token's claim with the user's groups
    [emails]
    "a.de.vries@gemeente.nl" = "advisor"
    [groups]
    "koers-beheer" = "admin"

A person matching several entries gets the highest role. With no login provider configured the
dashboard runs as one local user (`LOCAL`) with the admin role, under a visible banner.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from koers.errors import KoersError
from koers.settings import DATA

if TYPE_CHECKING:
    from koers.store import Store

try:  # POSIX: one writer of the roles file at a time (check and write as one step)
    import fcntl
except ImportError:  # pragma: no cover - Windows: the version check alone
    fcntl = None


class Role(StrEnum):
    viewer = "viewer"
    council = "council"
    advisor = "advisor"
    admin = "admin"


class Permission(StrEnum):
    view = "view"
    report = "report"  # read review sessions, make reports
    define_kpi = "define_kpi"
    annotate = "annotate"
    act = "act"  # actions
    set_target = "set_target"
    review = "review"  # hold review sessions: snapshot, findings, decisions
    import_data = "import_data"
    manage_users = "manage_users"
    governance = "governance"
    audit = "audit"


_ORDER = [Role.viewer, Role.council, Role.advisor, Role.admin]
_GRANTED = {
    Role.viewer: {Permission.view},
    Role.council: {Permission.report},
    Role.advisor: {Permission.define_kpi, Permission.annotate, Permission.act, Permission.set_target, Permission.review},
    Role.admin: {Permission.import_data, Permission.manage_users, Permission.governance, Permission.audit},
}
ROLE_NAMES = {  # (nl, en)
    Role.viewer: ("kijker (management)", "viewer (management)"),
    Role.council: ("raadslid", "council member"),
    Role.advisor: ("beleidsadviseur", "policy advisor"),
    Role.admin: ("beheerder", "administrator"),
}
_PERMISSION_NAMES = {  # (nl, en): what is refused, as a verb phrase
    Permission.view: ("het dashboard bekijken", "view the dashboard"),
    Permission.report: ("reviewsessies en rapporten openen", "open review sessions and reports"),
    Permission.define_kpi: ("KPI's definiëren", "define KPIs"),
    Permission.annotate: ("annotaties schrijven", "write annotations"),
    Permission.act: ("acties vastleggen", "record actions"),
    Permission.set_target: ("doelen vaststellen of herzien", "set or revise targets"),
    Permission.review: ("reviewsessies vastleggen", "record review sessions"),
    Permission.import_data: ("gegevens importeren", "import data"),
    Permission.manage_users: ("gebruikers en rollen beheren", "manage users and roles"),
    Permission.governance: ("de databeheerregistratie wijzigen", "change data governance records"),
    Permission.audit: ("het auditlogboek inzien", "see the audit trail"),
}


def permissions(role: Role) -> set[Permission]:
    granted: set[Permission] = set()
    for level in _ORDER[: _ORDER.index(Role(role)) + 1]:
        granted |= _GRANTED[level]
    return granted


@dataclass(frozen=True)
class Actor:
    """The person behind a write: an id (e-mail address, or a local user name), a display name, a role."""

    id: str
    name: str
    role: Role

    def may(self, permission: Permission) -> bool:
        return permission in permissions(self.role)


class AccessDenied(KoersError):
    """A write (or a view) the actor's role does not allow."""

    def __init__(self, actor: Actor, permission: Permission) -> None:
        role_nl, role_en = ROLE_NAMES[actor.role]
        what_nl, what_en = _PERMISSION_NAMES[permission]
        super().__init__(f"{actor.name} ({role_nl}) mag niet {what_nl}; vraag een beheerder om een andere rol",
                         f"{actor.name} ({role_en}) may not {what_en}; ask an administrator for another role")
        self.permission = permission


def require(actor: Actor, permission: Permission) -> None:
    if not actor.may(permission):
        raise AccessDenied(actor, permission)


# The single user of an installation without a login provider (the embedded demo), and the
# person at the command line: both can do everything, as anyone with the database file can.
LOCAL = Actor("lokaal", "Lokale gebruiker", Role.admin)


def command_line_actor() -> Actor:
    name = os.environ.get("KOERS_USER") or getpass.getuser() or "cli"
    return Actor(f"cli:{name}", name, Role.admin)


# --- the roles file --------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleSettings:
    default_role: Role = Role.viewer
    groups_claim: str = "groups"
    emails: dict[str, Role] | None = None
    groups: dict[str, Role] | None = None

    def as_dict(self) -> dict:
        """For the audit trail: plain values, sorted."""
        return {"default_role": str(self.default_role), "groups_claim": self.groups_claim,
                "emails": {k: str(v) for k, v in sorted((self.emails or {}).items())},
                "groups": {k: str(v) for k, v in sorted((self.groups or {}).items())}}

    def as_toml(self) -> str:
        lines = [f'default_role = "{self.default_role}"', f'groups_claim = "{_escape(self.groups_claim)}"', "", "[emails]"]
        lines += [f'"{_escape(email)}" = "{role}"' for email, role in sorted((self.emails or {}).items())]
        lines += ["", "[groups]"]
        lines += [f'"{_escape(group)}" = "{role}"' for group, role in sorted((self.groups or {}).items())]
        return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def roles_path() -> Path:
    return Path(os.environ.get("KOERS_ROLES") or DATA / "roles.toml")


def _role(path: Path, where: str, value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise KoersError(f"{path}: {where}: onbekende rol {value!r}; kies uit {', '.join(_ORDER)}",
                         f"{path}: {where}: unknown role {value!r}; choose from {', '.join(_ORDER)}") from None


def read_roles(path: Path | None = None) -> RoleSettings:
    """The roles file; a missing file means: everyone who logs in is a viewer."""
    return load_roles(path)[0]


def load_roles(path: Path | None = None) -> tuple[RoleSettings, str]:
    """The roles file and its checksum as read (one read: the two always belong together).
    The checksum of a missing file is "" ; `save_roles` compares it with the file's at saving."""
    path = path or roles_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return RoleSettings(emails={}, groups={}), ""
    return _parse_roles(path, raw), _checksum(raw)


def roles_checksum(path: Path | None = None) -> str:
    """The roles file's checksum now ("" when there is no file)."""
    try:
        return _checksum((path or roles_path()).read_bytes())
    except FileNotFoundError:
        return ""


def _checksum(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _parse_roles(path: Path, raw: bytes) -> RoleSettings:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise KoersError(f"{path}: geen geldige TOML: {error}", f"{path}: not valid TOML: {error}") from None
    return RoleSettings(
        default_role=_role(path, "default_role", data.get("default_role", "viewer")),
        groups_claim=str(data.get("groups_claim", "groups")),
        emails={str(k).strip().casefold(): _role(path, f"emails.{k}", v) for k, v in (data.get("emails") or {}).items()},
        groups={str(k): _role(path, f"groups.{k}", v) for k, v in (data.get("groups") or {}).items()},
    )


def settings_from_rows(default_role: str, groups_claim: str, emails: Iterable[tuple[object, object]],
                       groups: Iterable[tuple[object, object]]) -> RoleSettings:
    """Role settings from an editor's rows ((e-mail, role) and (group, role) pairs). Blank rows
    are left out; a row with only one half, an e-mail address without "@", an unknown role or a
    name listed twice is refused with a one-line message naming it."""
    def pairs(rows: Iterable[tuple[object, object]], kind_nl: str, kind_en: str, email: bool) -> dict[str, Role]:
        found: dict[str, Role] = {}
        for name, role in rows:
            name = "" if _blank(name) else str(name).strip()
            role = "" if _blank(role) else str(role).strip()
            if not name and not role:
                continue
            if not name:
                raise KoersError(f"{kind_nl}: een regel met rol {role} mist de naam",
                                 f"{kind_en}: a row with role {role} has no name")
            key = name.casefold() if email else name
            if email and "@" not in key:
                raise KoersError(f'{kind_nl}: "{name}" is geen e-mailadres', f'{kind_en}: "{name}" is not an e-mail address')
            if not role:
                raise KoersError(f'{kind_nl}: "{name}" heeft geen rol', f'{kind_en}: "{name}" has no role')
            if key in found:
                raise KoersError(f'{kind_nl}: "{name}" staat er twee keer in', f'{kind_en}: "{name}" is listed twice')
            if role not in _ORDER:
                raise KoersError(f'{kind_nl}: "{name}": onbekende rol {role}; kies uit {", ".join(_ORDER)}',
                                 f'{kind_en}: "{name}": unknown role {role}; choose from {", ".join(_ORDER)}')
            found[key] = Role(role)
        return found

    claim = (groups_claim or "").strip()
    if not claim:
        raise KoersError("vul de naam van de groepenclaim in (meestal groups)",
                         "fill in the name of the groups claim (usually groups)")
    if str(default_role) not in _ORDER:
        raise KoersError(f"onbekende standaardrol {default_role}; kies uit {', '.join(_ORDER)}",
                         f"unknown default role {default_role}; choose from {', '.join(_ORDER)}")
    return RoleSettings(default_role=Role(str(default_role)), groups_claim=claim,
                        emails=pairs(emails, "e-mailadressen", "e-mail addresses", True),
                        groups=pairs(groups, "groepen", "groups", False))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip()


def save_roles(settings: RoleSettings, actor: Actor, loaded_checksum: str, store: Store,
               path: Path | None = None) -> str:
    """Write the roles file (administrators only), if it is still the one the editor loaded
    (`loaded_checksum`, "" for no file); else refused with a one-line message and nothing is
    written. The file is replaced atomically, in the same step as its audit entry (before and
    after) in `store`, a writable store. Returns the new file's checksum."""
    from koers.store import Conflict  # the store imports this module

    require(actor, Permission.manage_users)
    path = path or roles_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = settings.as_toml()
    with _locked(path):
        current = roles_checksum(path)
        if current != loaded_checksum:
            raise Conflict(
                f"niet opgeslagen: het rollenbestand {path} is intussen gewijzigd; laad opnieuw en breng uw wijziging opnieuw aan",
                f"not saved: the roles file {path} was changed meanwhile; reload and make your change again")
        old = path.read_bytes() if current else None
        before = None if old is None else _before(path, old)
        temporary = path.with_name(f".{path.name}.tmp")
        store.con.execute("BEGIN TRANSACTION")
        try:
            store.record_audit(actor, Permission.manage_users, "create" if before is None else "update", "roles",
                               str(path), before, settings.as_dict())
            _write_atomically(temporary, path, text.encode("utf-8"))
        except BaseException:
            store.con.execute("ROLLBACK")
            temporary.unlink(missing_ok=True)
            raise
        try:
            store.con.execute("COMMIT")
        except BaseException:  # no audit entry: the old file back
            if old is None:
                path.unlink(missing_ok=True)
            else:
                _write_atomically(temporary, path, old)
            raise
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


def role_for(claims: dict, settings: RoleSettings) -> Role:
    """The highest role any of the user's e-mail address or groups maps to, else the default."""
    found = [settings.default_role]
    email = str(claims.get("email") or "").casefold()
    if email and email in (settings.emails or {}):
        found.append(settings.emails[email])
    groups = claims.get(settings.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    found += [settings.groups[g] for g in groups if g in (settings.groups or {})]
    return max(found, key=_ORDER.index)


def actor_for(claims: dict, settings: RoleSettings) -> Actor:
    email = str(claims.get("email") or claims.get("sub") or "onbekend")
    return Actor(email, str(claims.get("name") or email), role_for(claims, settings))
