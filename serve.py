"""The dashboard for production: `streamlit run serve.py` serves `app.py` and, before it takes
its first visitor, builds the demo database when there is none yet (a progress bar in the
terminal) and fills the caches the landing page reads (library, evaluation, municipality list,
the default municipality's overview). The server answers only once this is done; every other
municipality's series is evaluated just after, in a thread. Without it the
first visitor after a start waits for them; with `streamlit run app.py` everything works the
same, only that first visit is slower (and builds the demo behind a progress bar in the page).
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager

import streamlit as st

from koers import logs


@asynccontextmanager
async def _warm_up(_app):
    logs.configure()  # Koers at INFO, the libraries' chatter at WARNING
    build = asyncio.create_task(asyncio.to_thread(_first_start))  # the dashboard's modules load meanwhile
    from koers.dashboard import reads  # here, once the runtime exists: its caches are the ones filled

    await build
    await asyncio.to_thread(reads.warm_up)
    # Every other municipality's series after the server has begun to answer (see reads.index_regions).
    threading.Thread(target=reads.index_regions, name="koers-index-regions", daemon=True).start()
    yield


def _first_start() -> None:
    """On a fresh clone: the demo database, before anyone visits (a failure is left to the first
    visit, which says so in the page's words)."""
    import logging
    import time

    from koers.demo.build import build_demo
    from koers.progress import TerminalBar
    from koers.settings import database_path

    db = database_path()
    if db.exists():
        return
    bar = TerminalBar("demo")
    started = time.perf_counter()
    try:
        build_demo(db, progress=bar.update)
        logging.getLogger("koers").info("demo database built at %s in %.1f s", db, time.perf_counter() - started)
    except Exception:
        logging.getLogger("koers").exception("demo database could not be built at %s", db)
    finally:
        bar.close()


app = st.App("app.py", lifespan=_warm_up)
