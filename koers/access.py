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
import os
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from koers.errors import KoersError
from koers.settings import DATA


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
    path = path or roles_path()
    if not path.exists():
        return RoleSettings(emails={}, groups={})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise KoersError(f"{path}: geen geldige TOML: {error}", f"{path}: not valid TOML: {error}") from None
    return RoleSettings(
        default_role=_role(path, "default_role", data.get("default_role", "viewer")),
        groups_claim=str(data.get("groups_claim", "groups")),
        emails={str(k).casefold(): _role(path, f"emails.{k}", v) for k, v in (data.get("emails") or {}).items()},
        groups={str(k): _role(path, f"groups.{k}", v) for k, v in (data.get("groups") or {}).items()},
    )


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
