"""The dashboard for production: `streamlit run serve.py` serves `app.py` and, before it takes
its first visitor, fills the caches the landing page reads (library, evaluation, municipality
list, the default municipality's overview). Without it the first visitor after a start waits
for them; with `streamlit run app.py` everything works the same, only that first visit is slower.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import streamlit as st

from koers import logs


@asynccontextmanager
async def _warm_up(_app):
    logs.configure()  # Koers at INFO, the libraries' chatter at WARNING
    from koers.dashboard import reads  # here, once the runtime exists: its caches are the ones filled

    await asyncio.to_thread(reads.warm_up)
    yield


app = st.App("app.py", lifespan=_warm_up)
