"""Koers dashboard — the frame. For now it shows what the indicator store holds; the pages of
the dashboard come with the dashboard issue.

On first start without a database it builds the demo database from the shipped CBS data.
The store is opened read-only for each read and closed again, so the dashboard holds no lock
while idle and an import from the command line can run beside it; the cache is keyed on the
database file's fingerprint, so new data shows on the next rerun without a restart.
"""

from __future__ import annotations

import logging

import streamlit as st

from koers.demo import build_demo
from koers.errors import KoersError
from koers.settings import database_path
from koers.store import database_signature, read_snapshot

st.set_page_config(page_title="Koers", page_icon="🧭", layout="wide")


@st.cache_data(show_spinner=False, max_entries=4)
def snapshot(path: str, signature: tuple[int, ...]) -> dict:
    return read_snapshot(path)


db = database_path()
st.title("Koers")
st.caption("Sturen op maatschappelijk effect — indicatoren van gemeenten. Bron van de demodata: CBS (CC BY 4.0).")
try:
    if not db.exists():
        bar = st.progress(0.0, text="Demodatabase wordt gebouwd uit de meegeleverde CBS-data…")
        build_demo(db, progress=lambda step, fraction: bar.progress(min(fraction, 1.0), text=f"Demodatabase: {step}"))
        bar.empty()
    data = snapshot(str(db), database_signature(db))
except KoersError as error:
    st.error(error.message())
    st.stop()
except Exception:  # no traceback reaches a user; the detail goes to the log
    logging.getLogger("koers").exception("dashboard failed to read %s", db)
    st.error("De database kon niet worden gelezen; de beheerder vindt de details in het logboek.")
    st.stop()

counts = data["counts"]
columns = st.columns(4)
columns[0].metric("Gemeenten nu", f"{len(data['municipalities']):,}".replace(",", "."))
columns[1].metric("Indicatoren", f"{counts['indicator']:,}".replace(",", "."))
columns[2].metric("Observaties", f"{counts['observation']:,}".replace(",", "."))
columns[3].metric("Imports", f"{counts['import_log']:,}".replace(",", "."))

st.subheader("Indicatoren")
st.dataframe(data["indicators"][["id", "title_nl", "unit", "additive", "sources", "licence"]], hide_index=True)
st.subheader("Importlogboek")
st.dataframe(data["imports"][["id", "kind", "source_table", "finished", "rows_read", "rows_loaded", "rows_rejected", "status"]], hide_index=True)
