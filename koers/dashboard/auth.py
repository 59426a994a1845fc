"""Login: whether a login provider is configured, and who is logged in.

The provider is the municipality's OpenID Connect provider, configured in Streamlit's secrets
(`.streamlit/secrets.toml`, or the files named by the `secrets.files` option) and used through
Streamlit's own `st.login`::

    [auth]
    redirect_uri = "https://koers.gemeente.nl/oauth2callback"
    cookie_secret = "a long random text"
    client_id = "koers"
    client_secret = "..."
    server_metadata_url = "https://login.gemeente.nl/.well-known/openid-configuration"

Named providers (`[auth.<name>]` with client_id, client_secret and server_metadata_url) work too;
each gets its own login button. Who may do what follows from the ID token's claims through the
roles file (`koers.access`).

Without an `[auth]` section (the embedded demo) the dashboard runs as one local user with the
administrator role, under a visible banner. An `[auth]` section that is incomplete, or a secrets
file that cannot be read, is an error and never local mode: a typo must not make everyone an
administrator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from koers import i18n, present
from koers.access import LOCAL, Actor, RoleSettings, actor_for
from koers.roles import read_roles
from koers.errors import KoersError
from koers.i18n import Message

SHARED = ("redirect_uri", "cookie_secret")
PROVIDER = ("client_id", "client_secret", "server_metadata_url")
# Streamlit's own additions to st.user, not claims of the ID token.
_NOT_CLAIMS = {"is_logged_in", "tokens", "provider", "origin"}


@dataclass(frozen=True)
class LoginSettings:
    """A configured login: the providers to offer (None: the unnamed default provider), or the
    problem that keeps anyone from logging in."""

    providers: tuple[str | None, ...]
    problem: KoersError | None = None


def login_settings(secrets: Mapping | None = None) -> LoginSettings | None:
    """The login configured in `secrets` (default: `st.secrets`); None when there is none, which
    means local single-user mode. Never raises: a problem is returned in `problem`."""
    if secrets is None:
        secrets = st.secrets
    try:
        if hasattr(secrets, "load_if_toml_exists") and not secrets.load_if_toml_exists():
            unreadable = _existing_secrets_files()
            if unreadable:
                return LoginSettings((), KoersError("errors.auth.secrets_file_unreadable", path=unreadable[0]))
            return None
        section = secrets.get("auth")
    except Exception:  # noqa: BLE001 - whatever a secrets source does wrong: no login, never local mode
        return LoginSettings((), KoersError("errors.auth.settings_unreadable"))
    if section is None:
        return None
    if not isinstance(section, Mapping) or not section:
        return LoginSettings((), _incomplete("errors.auth.section_empty"))
    missing = [key for key in SHARED if not section.get(key)]
    if missing:
        names = ", ".join(missing)
        return LoginSettings((), _incomplete("errors.auth.section_lacks", section="auth", names=names))
    if not str(section["redirect_uri"]).endswith("/oauth2callback"):
        return LoginSettings((), _incomplete("errors.auth.redirect_uri"))
    providers: list[str | None] = []
    if any(section.get(key) for key in PROVIDER):
        missing = [key for key in PROVIDER if not section.get(key)]
        if missing:
            names = ", ".join(missing)
            return LoginSettings((), _incomplete("errors.auth.section_lacks", section="auth", names=names))
        providers.append(None)
    for name, value in section.items():
        if isinstance(value, Mapping):
            missing = [key for key in PROVIDER if not value.get(key)]
            if missing:
                names = ", ".join(missing)
                return LoginSettings((), _incomplete("errors.auth.section_lacks", section=f"auth.{name}", names=names))
            providers.append(str(name))
    if not providers:
        return LoginSettings((), _incomplete("errors.auth.section_lacks", section="auth", names=", ".join(PROVIDER)))
    return LoginSettings(tuple(providers))


def _incomplete(key: str, **params: object) -> KoersError:
    return KoersError("errors.auth.incomplete", problem=Message(key, **params))


def _existing_secrets_files() -> list[str]:
    from streamlit import config

    try:
        paths = config.get_option("secrets.files") or []
    except Exception:  # noqa: BLE001
        return []
    return [str(p) for p in paths if Path(p).is_file()]


def claims(user: Mapping | None = None) -> dict | None:
    """The logged-in user's ID token claims (from `st.user` by default); None when nobody is
    logged in."""
    if user is None:
        user = st.user
    if not user.get("is_logged_in"):
        return None
    return {key: value for key, value in dict(user).items() if key not in _NOT_CLAIMS}


def actor_for_claims(found: Mapping, settings: RoleSettings | None = None) -> Actor:
    """The Actor for a logged-in user: id and name from the claims, the role from the roles file."""
    return actor_for(dict(found), settings if settings is not None else read_roles())


def provider_label(provider: str | None) -> str:
    return "" if provider is None else provider.replace("-", " ").title()


ACTOR_KEY = "koers_actor"  # where the frame (app.py) puts the person, for `koers.dashboard.view.actor`


def require_frame(lang: str = "nl") -> None:
    """Stop a page that runs without the frame while a login is configured.

    Streamlit runs a script from `pages/` directly (without `app.py`) for the first visitor after
    a server start who asks for it by its file name (`/beheer`): its older mechanism for a pages
    folder, active until some session has run `st.navigation`. Such a run has no person in the
    session, and must not fall back to the local administrator.
    """
    if ACTOR_KEY in st.session_state or login_settings() is None:
        return
    st.error(KoersError("errors.auth.page_outside_frame").message(lang),
             icon=":material/lock:")
    st.stop()


# --- the frame's gate ----------------------------------------------------------------------


def gate(lang: str, url_paths: list[str]) -> tuple[Actor, LoginSettings | None]:
    """Who this run is for, put into the session for `koers.dashboard.view.actor`; called by the frame before
    it draws anything. With a login configured and nobody logged in (or a login that cannot work)
    the run shows only the login screen (or the one-line problem), at every page's address
    `url_paths`, and stops. Returns the person and the login settings (None: local mode)."""
    login = login_settings()
    if login is None:  # no provider configured: the local single user, under a banner
        st.session_state[ACTOR_KEY] = LOCAL
        return LOCAL, None
    st.session_state.pop(ACTOR_KEY, None)  # set again below, once this run knows who it is
    if login.problem is not None:  # never local mode by accident: nobody gets in until it is fixed
        _only(_refusal(login.problem, lang), i18n.text(lang, "auth.login_title"), url_paths)
    found = claims()
    if found is None:
        _only(lambda: _login_screen(login.providers, lang), i18n.text(lang, "auth.login_title"), url_paths)
    try:
        actor = actor_for_claims(found)
    except KoersError as error:  # a broken roles file: nobody gets a role until it is fixed
        _only(_refusal(error, lang), i18n.text(lang, "auth.login_title"), url_paths)
    st.session_state[ACTOR_KEY] = actor
    return actor, login


def _login_screen(providers: tuple[str | None, ...], lang: str) -> None:
    with st.sidebar:
        st.segmented_control(i18n.text(lang, "app.language"), ["nl", "en"], key="taal", format_func=str.upper, required=True)
    language = st.session_state.get("taal", lang)
    if st.query_params.get("taal") != language:
        st.query_params["taal"] = language
    st.title(i18n.text(language, "auth.login_title"))
    st.markdown(i18n.text(language, "auth.login_text"))
    for provider in providers:
        label = (i18n.text(language, "auth.login_button") if provider is None
                 else i18n.text(language, "auth.login_button_named", provider=provider_label(provider)))
        if st.button(label, key=f"login_{provider or 'default'}", type="primary", icon=":material/login:"):
            st.login(provider)
    st.caption(i18n.text(language, "auth.login_note"))


def _only(draw, title: str, url_paths: list[str]) -> None:
    """Show only `draw`, at every page's address, and end the run. This run calls `st.navigation`
    too: without it Streamlit would offer the `pages/` folder's scripts themselves."""
    st.navigation([st.Page(draw, title=title, url_path=path, default=index == 0) for index, path in enumerate(url_paths)],
                  position="hidden").run()
    st.stop()


def _refusal(error: KoersError, lang: str):
    return lambda: st.error(error.message(st.session_state.get("taal", lang)), icon=":material/lock:")


def sign_out_control(actor: Actor, lang: str) -> None:
    """In the sidebar: who is logged in, in which role, and the way out."""
    st.divider()
    st.markdown(i18n.text(lang, "auth.signed_in_as", name=present.plain(actor.name)))  # the login provider's text
    roles = [i18n.text(lang, f"roles.{actor.role}")]
    roles += [i18n.text(lang, "auth.role_for", role=i18n.text(lang, f"roles.{role}"), municipalities=", ".join(sorted(codes)))
              for role, codes in actor.scoped]  # a role for some municipalities only: for which
    st.caption(i18n.text(lang, "auth.role", role="; ".join(roles)))
    if st.button(i18n.text(lang, "auth.logout"), key="logout", icon=":material/logout:"):
        st.session_state.pop(ACTOR_KEY, None)
        st.logout()
        st.stop()  # the rest of this run has nobody to run as
