"""How the dashboard server logs: Koers's own records from INFO, the libraries' from WARNING.

Left at INFO, one review report writes hundreds of lines of library chatter into the server log
(kaleido and choreographer narrate every browser tab and temporary file, weasyprint every layout
step, fontTools every font subset), burying the lines an operator needs. `configure()` is the one
place this is set; app.py and serve.py call it. The command line logs nothing at INFO (only an
unexpected error, to its own file: `koers.cli.main`).
"""

from __future__ import annotations

import logging

KOERS = "koers"  # every Koers logger is named under it: "koers", "koers.dashboard", "koers.loop.report"
# Libraries that log at INFO while a report is made (measured: two reports, ~750 INFO lines).
QUIET = ("kaleido", "choreographer", "logistro", "weasyprint", "fontTools", "PIL", "asyncio")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: int = logging.INFO) -> None:
    """Koers's loggers at `level`; the noisy libraries, and anything else not Koers's, at WARNING.

    The root logger is set to WARNING, so a library's logger inherits it whenever it is made; one
    that exists already (a library imported before) also gets WARNING itself, which holds should
    anyone lower the root level later. A library's logger is never made here: kaleido and
    choreographer log through logistro, whose logger class (with `debug2`) only applies to loggers
    made after it is imported — one made here first would lack it and break chart drawing.

    Safe to call on every Streamlit rerun: a handler is added only when the root logger has none
    (`logging.basicConfig`), the levels are simply set again."""
    logging.basicConfig(level=logging.WARNING, format=FORMAT)
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger(KOERS).setLevel(level)
    existing = logging.Logger.manager.loggerDict
    for name in QUIET:
        if isinstance(existing.get(name), logging.Logger):
            existing[name].setLevel(logging.WARNING)
