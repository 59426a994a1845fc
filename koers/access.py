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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from koers import i18n
from koers.errors import KoersError
from koers.i18n import Message


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


class _RoleNames(Mapping[Role, tuple[str, str]]):
    """Each role's name as (Dutch, English), read from the catalogue (`roles.<role>`)."""

    def __getitem__(self, role: Role) -> tuple[str, str]:
        if role not in ROLE_ORDER:
            raise KeyError(role)
        return i18n.text("nl", f"roles.{role}"), i18n.text("en", f"roles.{role}")

    def __iter__(self) -> Iterator[Role]:
        return iter(ROLE_ORDER)

    def __len__(self) -> int:
        return len(ROLE_ORDER)


ROLE_NAMES = _RoleNames()


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
    """A write (or a view) the actor's role does not allow; names the role (`roles.<role>`) and
    what was refused, as a verb phrase (`permissions.<permission>`)."""

    def __init__(self, actor: Actor, permission: Permission) -> None:
        super().__init__("errors.access.denied", name=actor.name, role=Message(f"roles.{actor.role}"),
                         what=Message(f"permissions.{permission}"))
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
    def pairs(rows: Iterable[tuple[object, object]], kind: Message, email: bool) -> dict[str, Role]:
        found: dict[str, Role] = {}
        for name, role in rows:
            name = "" if _blank(name) else str(name).strip()
            role = "" if _blank(role) else str(role).strip()
            if not name and not role:
                continue
            if not name:
                raise KoersError("errors.access.row_without_name", kind=kind, role=role)
            key = name.casefold() if email else name
            if email and "@" not in key:
                raise KoersError("errors.access.not_an_email", kind=kind, name=name)
            if not role:
                raise KoersError("errors.access.no_role", kind=kind, name=name)
            if key in found:
                raise KoersError("errors.access.listed_twice", kind=kind, name=name)
            if role not in ROLE_ORDER:
                raise KoersError("errors.access.unknown_role", kind=kind, name=name, role=role, roles=", ".join(ROLE_ORDER))
            found[key] = Role(role)
        return found

    claim = (groups_claim or "").strip()
    if not claim:
        raise KoersError("errors.access.groups_claim_missing")
    if str(default_role) not in ROLE_ORDER:
        raise KoersError("errors.access.unknown_default_role", default_role=default_role, roles=", ".join(ROLE_ORDER))
    return RoleSettings(default_role=Role(str(default_role)), groups_claim=claim,
                        emails=pairs(emails, Message("errors.access.emails"), True),
                        groups=pairs(groups, Message("errors.access.groups"), False))


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
