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

A person matching several entries gets the highest role. An entry may hold for some
municipalities only (one deployment serving several, as a region's shared-services organisation
runs it):

    "a.de.vries@utrecht.nl" = { role = "advisor", municipalities = ["GM0344"] }

Such a role adds to what the person may do everywhere (the highest role of the entries without a
list, at least `default_role`) for the writes of those municipalities only: targets, annotations,
actions and review sessions (`require(actor, permission, region)`). Writes that are no one
municipality's (imports, governance records, KPI definitions, the roles file) need the permission
everywhere. With no login provider configured the dashboard runs as one local user (`LOCAL`) with
the admin role, under a visible banner.
"""

from __future__ import annotations

import getpass
import os
import re
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


MUNICIPALITY_CODE = re.compile(r"GM\d{4}")


@dataclass(frozen=True)
class Actor:
    """The person behind a write: an id (e-mail address, or a local user name), a display name, the
    role that holds everywhere, and roles that hold for some municipalities only (`scoped`: each a
    role and the municipality codes it holds for)."""

    id: str
    name: str
    role: Role
    scoped: tuple[tuple[Role, frozenset[str]], ...] = ()

    def may(self, permission: Permission, region: str | None = None, *, somewhere: bool = False) -> bool:
        """Whether the person may do this: for `region` (a municipality's write), or, without it,
        everywhere (a write that is no one municipality's); `somewhere`: for at least one."""
        if permission in permissions(self.role):
            return True
        return any(permission in permissions(role) and (somewhere or region in codes) for role, codes in self.scoped)

    @property
    def roles_text(self) -> str:
        """The roles as the audit trail keeps them: "advisor", or "viewer, advisor (GM0344 GM0599)"."""
        return ", ".join([str(self.role), *(f"{role} ({' '.join(sorted(codes))})" for role, codes in self.scoped)])

    def regions_for(self, permission: Permission) -> frozenset[str] | None:
        """The municipalities the person may do this for; None for all."""
        if permission in permissions(self.role):
            return None
        return frozenset(code for role, codes in self.scoped if permission in permissions(role) for code in codes)


class AccessDenied(KoersError):
    """A write (or a view) the actor's role does not allow; names the role (`roles.<role>`) and
    what was refused, as a verb phrase (`permissions.<permission>`), and for a role that holds for
    some municipalities only, which ones."""

    def __init__(self, actor: Actor, permission: Permission, region: str | None = None) -> None:
        allowed = actor.regions_for(permission)
        if allowed:
            super().__init__("errors.access.out_of_scope", name=actor.name, what=Message(f"permissions.{permission}"),
                             regions=", ".join(sorted(allowed)), region=region or Message("errors.access.everywhere"))
        else:
            super().__init__("errors.access.denied", name=actor.name, role=Message(f"roles.{actor.role}"),
                             what=Message(f"permissions.{permission}"))
        self.permission = permission


def require(actor: Actor, permission: Permission, region: str | None = None, *, somewhere: bool = False) -> None:
    """Refuse (`AccessDenied`) what the actor may not do: for `region` (a municipality's code), or
    without it, everywhere; `somewhere`: for at least one municipality (checked before the record,
    and so its municipality, is read)."""
    if not actor.may(permission, region, somewhere=somewhere):
        raise AccessDenied(actor, permission, region)


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
    # The entries of `emails` and `groups` that hold for these municipalities only (absent: all).
    email_scopes: dict[str, tuple[str, ...]] | None = None
    group_scopes: dict[str, tuple[str, ...]] | None = None

    def as_dict(self) -> dict:
        """For the audit trail: plain values, sorted; a scoped entry as {role, municipalities}."""
        def entries(found: dict[str, Role] | None, scopes: dict[str, tuple[str, ...]] | None) -> dict:
            return {k: {"role": str(v), "municipalities": list((scopes or {})[k])} if k in (scopes or {}) else str(v)
                    for k, v in sorted((found or {}).items())}
        return {"default_role": str(self.default_role), "groups_claim": self.groups_claim,
                "emails": entries(self.emails, self.email_scopes), "groups": entries(self.groups, self.group_scopes)}

    def as_toml(self) -> str:
        def entry(name: str, role: Role, scopes: dict[str, tuple[str, ...]] | None) -> str:
            if name not in (scopes or {}):
                return f'"{_escape(name)}" = "{role}"'
            codes = ", ".join(f'"{code}"' for code in (scopes or {})[name])
            return f'"{_escape(name)}" = {{ role = "{role}", municipalities = [{codes}] }}'
        lines = [f'default_role = "{self.default_role}"', f'groups_claim = "{_escape(self.groups_claim)}"', "", "[emails]"]
        lines += [entry(email, role, self.email_scopes) for email, role in sorted((self.emails or {}).items())]
        lines += ["", "[groups]"]
        lines += [entry(group, role, self.group_scopes) for group, role in sorted((self.groups or {}).items())]
        return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def settings_from_rows(default_role: str, groups_claim: str, emails: Iterable[tuple[object, ...]],
                       groups: Iterable[tuple[object, ...]]) -> RoleSettings:
    """Role settings from an editor's rows ((e-mail, role) and (group, role) pairs, each with an
    optional third cell: the municipalities the role holds for, codes separated by commas or
    spaces; empty: all). Blank rows are left out; a row with only one half, an e-mail address
    without "@", an unknown role, a name listed twice or a code that is no municipality's
    ("GM0344") is refused with a one-line message naming it."""
    scopes: dict[str, dict[str, tuple[str, ...]]] = {"email": {}, "group": {}}

    def pairs(rows: Iterable[tuple[object, ...]], kind: Message, email: bool) -> dict[str, Role]:
        found: dict[str, Role] = {}
        for name, role, *rest in rows:
            name = "" if _blank(name) else str(name).strip()
            role = "" if _blank(role) else str(role).strip()
            codes = [] if not rest or _blank(rest[0]) else re.split(r"[\s,;]+", str(rest[0]).strip())
            if not name and not role and not codes:
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
            wrong = [code for code in codes if not MUNICIPALITY_CODE.fullmatch(code.upper())]
            if wrong:
                raise KoersError("errors.access.not_a_municipality", kind=kind, name=name, code=wrong[0])
            found[key] = Role(role)
            if codes:
                scopes["email" if email else "group"][key] = tuple(sorted({code.upper() for code in codes}))
        return found

    claim = (groups_claim or "").strip()
    if not claim:
        raise KoersError("errors.access.groups_claim_missing")
    if str(default_role) not in ROLE_ORDER:
        raise KoersError("errors.access.unknown_default_role", default_role=default_role, roles=", ".join(ROLE_ORDER))
    return RoleSettings(default_role=Role(str(default_role)), groups_claim=claim,
                        emails=pairs(emails, Message("errors.access.emails"), True),
                        groups=pairs(groups, Message("errors.access.groups"), False),
                        email_scopes=scopes["email"] or None, group_scopes=scopes["group"] or None)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip()


def _entries(claims: dict, settings: RoleSettings) -> list[tuple[Role, tuple[str, ...] | None]]:
    """The roles the user's e-mail address and groups map to, each with its municipalities (None: all),
    after the default role."""
    found: list[tuple[Role, tuple[str, ...] | None]] = [(settings.default_role, None)]
    email = str(claims.get("email") or "").casefold()
    if email and email in (settings.emails or {}):
        found.append((settings.emails[email], (settings.email_scopes or {}).get(email)))
    groups = claims.get(settings.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    found += [(settings.groups[g], (settings.group_scopes or {}).get(g)) for g in groups if g in (settings.groups or {})]
    return found


def role_for(claims: dict, settings: RoleSettings) -> Role:
    """The highest role that holds everywhere: of the entries without municipalities, else the default."""
    return max((role for role, codes in _entries(claims, settings) if codes is None), key=ROLE_ORDER.index)


def actor_for(claims: dict, settings: RoleSettings) -> Actor:
    email = str(claims.get("email") or claims.get("sub") or "onbekend")
    everywhere = role_for(claims, settings)
    scoped = tuple((role, frozenset(codes)) for role, codes in _entries(claims, settings)
                   if codes is not None and ROLE_ORDER.index(role) > ROLE_ORDER.index(everywhere))
    return Actor(email, str(claims.get("name") or email), everywhere, scoped)
