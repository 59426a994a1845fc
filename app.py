"""Koers dashboard — the frame: page config, the global selection and the navigation.

The selection (municipality, year, peer group, language) lives in widgets bound to the URL's query
parameters, so a link to a view can be pasted into a council document and opens the same view.
On first start without a database the demo database is built from the shipped CBS data.
"""

from __future__ import annotations

import logging

import streamlit as st

from koers import i18n, ui
from koers.demo import build_demo
from koers.errors import KoersError
from koers.settings import database_path

st.set_page_config(page_title="Koers", page_icon="🧭", layout="wide")  # an emoji: nothing fetched from the internet
logging.basicConfig(level=logging.INFO)

ui.from_url("taal", ["nl", "en"], "nl")
lang = st.session_state["taal"]
db = database_path()
try:
    if not db.exists():
        bar = st.progress(0.0, text=i18n.text(lang, "app.building_demo"))
        build_demo(db, progress=lambda step, fraction: bar.progress(min(fraction, 1.0), text=f"{step}"))
        bar.empty()
    municipalities = ui.municipalities()
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
ui.from_url("gemeente", list(names), "GM0363")
ui.from_url("jaar", years, 2024)
ui.from_url("groep", list(ui.PEER_KINDS), "size")
with st.sidebar:
    st.segmented_control(i18n.text(lang, "app.language"), ["nl", "en"], key="taal", format_func=str.upper, required=True)
    lang = st.session_state["taal"]
    st.selectbox(i18n.text(lang, "app.municipality"), list(names), key="gemeente",
                 format_func=lambda code: f"{names[code]} ({code})" + (" †" if code in dissolved else ""))
    st.selectbox(i18n.text(lang, "app.year"), years, key="jaar")
    st.selectbox(i18n.text(lang, "app.peers"), list(ui.PEER_KINDS), key="groep",
                 format_func=lambda kind: i18n.text(lang, f"peers.{kind}"))
    st.caption(i18n.text(lang, "app.demo_note"))
ui.to_url("taal", "gemeente", "jaar", "groep")

# Every url_path differs from its file's name: Streamlit's older mechanism for a `pages/` folder,
# which runs before `st.navigation` has been called in a session, would otherwise run a page
# without this frame (and drop the selection). The default page is served at "/".
pages = {
    i18n.text(lang, "sections.steer"): [
        st.Page("pages/overzicht.py", title=i18n.text(lang, "pages.overview"), icon=":material/dashboard:", url_path="overview", default=True),
        st.Page("pages/thema.py", title=i18n.text(lang, "pages.theme"), icon=":material/account_tree:", url_path="theme"),
        st.Page("pages/leren.py", title=i18n.text(lang, "pages.learning"), icon=":material/school:", url_path="learning"),
        st.Page("pages/review.py", title=i18n.text(lang, "pages.review"), icon=":material/gavel:", url_path="council-review"),
        st.Page("pages/presentatie.py", title=i18n.text(lang, "pages.presentation"), icon=":material/slideshow:", url_path="presentation"),
    ],
    i18n.text(lang, "sections.analyse"): [
        st.Page("pages/kpi.py", title=i18n.text(lang, "pages.kpi"), icon=":material/monitoring:", url_path="indicator"),
        st.Page("pages/vergelijken.py", title=i18n.text(lang, "pages.compare"), icon=":material/map:", url_path="compare"),
    ],
    i18n.text(lang, "sections.data"): [
        st.Page("pages/data.py", title=i18n.text(lang, "pages.data"), icon=":material/upload_file:", url_path="data-import"),
    ],
    i18n.text(lang, "sections.manage"): [
        st.Page("pages/studio.py", title=i18n.text(lang, "pages.studio"), icon=":material/edit_note:", url_path="kpi-studio"),
        st.Page("pages/beheer.py", title=i18n.text(lang, "pages.admin"), icon=":material/admin_panel_settings:", url_path="admin"),
    ],
}
st.navigation(pages).run()
