"""Who may do what: roles, permissions and the person behind every write.

Four roles, each allowed what the one before it may, plus its own:
- viewer (management): look at the dashboard;
- council (raadslid): also review sessions and their reports, read-only;
- advisor (beleidsadviseur): also define KPIs, write annotations, actions, targets and review sessions;
- admin (beheerder): also imports, users and roles, governance records, the audit trail.

Roles are enforced where the write happens (`koers.store` calls `require` before it opens a
transaction), so a refused write leaves nothing behind, whatever the page showed.

Roles come from a settings file (TOML; `KOERS_ROLES`, else `data/roles.toml`; read and written by
`koers.roles` — this module does no file or database I/O):

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
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from koers.errors import KoersError


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


ROLE_ORDER = [Role.viewer, Role.council, Role.advisor, Role.admin]
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
    for level in ROLE_ORDER[: ROLE_ORDER.index(Role(role)) + 1]:
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


# --- role settings (the roles file's content) -------------------------------------------------


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
            if role not in ROLE_ORDER:
                raise KoersError(f'{kind_nl}: "{name}": onbekende rol {role}; kies uit {", ".join(ROLE_ORDER)}',
                                 f'{kind_en}: "{name}": unknown role {role}; choose from {", ".join(ROLE_ORDER)}')
            found[key] = Role(role)
        return found

    claim = (groups_claim or "").strip()
    if not claim:
        raise KoersError("vul de naam van de groepenclaim in (meestal groups)",
                         "fill in the name of the groups claim (usually groups)")
    if str(default_role) not in ROLE_ORDER:
        raise KoersError(f"onbekende standaardrol {default_role}; kies uit {', '.join(ROLE_ORDER)}",
                         f"unknown default role {default_role}; choose from {', '.join(ROLE_ORDER)}")
    return RoleSettings(default_role=Role(str(default_role)), groups_claim=claim,
                        emails=pairs(emails, "e-mailadressen", "e-mail addresses", True),
                        groups=pairs(groups, "groepen", "groups", False))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip()


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
    return max(found, key=ROLE_ORDER.index)


def actor_for(claims: dict, settings: RoleSettings) -> Actor:
    email = str(claims.get("email") or claims.get("sub") or "onbekend")
    return Actor(email, str(claims.get("name") or email), role_for(claims, settings))
