"""Koers dashboard — the frame: page config, login, the global selection and the navigation.

The selection (municipality, year, peer group, language) lives in widgets bound to the URL's query
parameters, so a link to a view can be pasted into a council document and opens the same view.
On first start without a database the demo database is built from the shipped CBS data.

Login (`koers.dashboard.auth.gate`): with an OpenID Connect provider in the secrets, nobody sees anything
before logging in with `st.login`; the claims map to a role through the roles file, and the person
goes into the session, which every write passes on. Without a provider the dashboard runs as one
local user with the administrator role, under a banner on every page.
"""

from __future__ import annotations

import logging
import runpy
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from koers.dashboard import startup

with startup.importing():  # once per process: imported without the cycle collector, then frozen
    from koers.dashboard import auth, reads, view
    from koers import i18n, logs
    from koers.access import Permission
    from koers.errors import KoersError
    from koers.settings import database_path

# The icon as an SVG file (sent inline): an emoji made Streamlit load its emoji catalogue, a sixth
# of a fresh process's first run, and a Material icon is fetched from the internet by the browser.
st.set_page_config(page_title="Koers", page_icon=str(view.FAVICON), layout="wide")
logs.configure()  # Koers at INFO, the libraries' chatter (kaleido, weasyprint, ...) at WARNING

# The navigation: per section (title key) its pages as (file in pages/, title key, icon, url_path).
# Each url_path differs from its file's name: Streamlit's older mechanism for a `pages/` folder,
# which runs before `st.navigation` has been called in a session, would otherwise run a page
# without this frame (and drop the selection). The first page is the default, served at "/".
NAVIGATION = {
    "sections.steer": [("overzicht", "pages.overview", "dashboard", "overview"),
                       ("thema", "pages.theme", "account_tree", "theme"),
                       ("leren", "pages.learning", "school", "learning"),
                       ("review", "pages.review", "gavel", "council-review"),
                       ("presentatie", "pages.presentation", "slideshow", "presentation")],
    "sections.analyse": [("kpi", "pages.kpi", "monitoring", "indicator"),
                         ("vergelijken", "pages.compare", "map", "compare"),
                         ("wijken", "pages.districts", "holiday_village", "districts")],
    "sections.data": [("data", "pages.data", "upload_file", "data-import")],
    "sections.manage": [("studio", "pages.studio", "edit_note", "kpi-studio"),
                        ("beheer", "pages.admin", "admin_panel_settings", "admin")],
}
# Other addresses of each page (by its url_path): its Dutch and English names, hidden from the menu.
# They redirect to the page keeping the query parameters (see `alias`). The default page is served
# at "/", so "/overview" is one of its aliases too. Some equal a file's name in pages/: for the very
# first visitor after a server start Streamlit's older pages/ mechanism runs that file without the
# frame (see koers.dashboard.auth.require_frame and docs/links.md).
ALIASES = {
    "overview": ("overview", "overzicht"),
    "theme": ("thema", "themas"),
    "learning": ("leren",),
    "council-review": ("review", "raadsreview", "reviewsessies"),
    "presentation": ("presentatie",),
    "indicator": ("kpi", "indicatoren"),
    "compare": ("vergelijken",),
    "data-import": ("data", "import"),
    "kpi-studio": ("studio",),
    "admin": ("beheer",),
    "districts": ("wijken",),
}


def alias(target: st.Page, file: str, path: str) -> Callable[[], None]:
    """The page behind an alias address: a switch to `target` with the URL's query parameters (the
    frame has already read and rewritten them). Reached by the browser's Back or Forward, the page
    is drawn here instead: a switch would push `target` again and trap Back on this entry.

    Streamlit 1.67 has no public way to tell such a run; its run context carries the browser's flag
    (`is_history_navigation`, set when the frontend reruns on a popstate)."""
    def redirect() -> None:
        ctx = get_script_run_ctx()
        if ctx is None or not ctx.is_history_navigation:
            st.switch_page(target, query_params=st.query_params.to_dict())
        runpy.run_path(str(Path(__file__).resolve().parent / "pages" / f"{file}.py"), run_name="__main__")
    redirect.__name__ = f"alias_{path.replace('-', '_')}"
    return redirect

view.from_url("taal", ["nl", "en"], "nl")
lang = st.session_state["taal"]
actor, login = auth.gate(lang, list(dict.fromkeys([path for entries in NAVIGATION.values() for *_, path in entries]
                                                 + [name for names in ALIASES.values() for name in names])))

db = database_path()
try:
    with reads.one_visit():  # the frame's reads share one opening of the file (each costs ~25 ms)
        if not db.exists():
            from koers.demo.build import build_demo  # the CBS readers and openpyxl: only to build the database

            bar = st.progress(0.0, text=i18n.text(lang, "app.building_demo"))
            build_demo(db, progress=lambda step, fraction: bar.progress(min(fraction, 1.0), text=f"{step}"))
            bar.empty()
        elif reads.upgrade() is not None:  # made by an older Koers: brought to this schema once
            logging.getLogger("koers").info("database %s upgraded to this version's schema", db)
        municipalities = reads.municipalities()
except KoersError as error:
    st.error(error.message(lang))
    st.stop()
except Exception:  # no traceback reaches a user; the detail goes to the log
    logging.getLogger("koers").exception("dashboard could not open %s", db)
    st.error(i18n.text(lang, "app.error"))
    st.stop()

names = dict(zip(municipalities["code"], municipalities["name"]))
dissolved = set(municipalities.loc[municipalities["valid_to"].notna(), "code"])
years = list(range(2025, 2014, -1))
view.from_url("gemeente", list(names), "GM0363", label=lambda code: f"{names[code]} ({code})")  # for a link's notice
view.from_url("jaar", years, 2024)
view.from_url("groep", list(view.PEER_CHOICES), "size")
view.list_from_url("eigen", list(names), [], view.CUSTOM_PEERS_LIMIT)
view.from_url("indeling", ["today", "historical"], "today")
with st.sidebar:
    st.segmented_control(i18n.text(lang, "app.language"), ["nl", "en"], key="taal", format_func=str.upper, required=True)
    lang = st.session_state["taal"]
    view.document_language(lang)
    st.selectbox(i18n.text(lang, "app.municipality"), list(names), key="gemeente",
                 format_func=lambda code: f"{names[code]} ({code})" + (" †" if code in dissolved else ""))
    st.selectbox(i18n.text(lang, "app.year"), years, key="jaar")
    st.selectbox(i18n.text(lang, "app.peers"), list(view.PEER_CHOICES), key="groep",
                 format_func=lambda kind: i18n.text(lang, f"peers.{kind}"))
    st.segmented_control(i18n.text(lang, "app.division"), ["today", "historical"], key="indeling", required=True,
                         format_func=view.labels(lang, "app.divisions"), help=i18n.text(lang, "app.division_help"))
    if st.session_state["groep"] == "custom":
        st.multiselect(i18n.text(lang, "app.custom_peers"), list(names), key="eigen", placeholder=i18n.text(lang, "app.choose_several"),
                       max_selections=view.CUSTOM_PEERS_LIMIT, format_func=lambda code: f"{names[code]} ({code})")
    st.caption(i18n.text(lang, "app.demo_note"))
    if login is not None:
        auth.sign_out_control(actor, lang)
view.to_url("taal", "gemeente", "jaar", "groep", "indeling")
view.list_to_url("eigen")
if login is None:
    st.markdown(i18n.text(lang, "auth.local_banner"))

# One st.Page per entry of NAVIGATION, by url_path. The default page is served at "/" (url_path "",
# so that "overview" is free for its alias).
by_path = {
    path: st.Page(f"pages/{file}.py", title=i18n.text(lang, title), icon=f":material/{icon}:",
                  url_path="" if index == 0 else path, default=index == 0,
                  # Beheer is for administrators: hidden from others (the page and the store refuse them too)
                  visibility="hidden" if file == "beheer" and not actor.may(Permission.manage_users) else "visible")
    for index, (file, title, icon, path) in enumerate(entry for entries in NAVIGATION.values() for entry in entries)
}
pages = {i18n.text(lang, section): [by_path[path] for *_, path in entries] for section, entries in NAVIGATION.items()}
# The aliases in a section without a title (hidden pages are not listed, so it draws nothing).
pages[""] = [st.Page(alias(by_path[path], file, name), title=by_path[path].title, url_path=name, visibility="hidden")
             for entries in NAVIGATION.values() for file, *_, path in entries for name in ALIASES.get(path, ())]
st.navigation(pages).run()
