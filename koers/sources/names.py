"""Rules for the names a person gives an import: a source name (`--source-name`, `--table`, the
Data page's field), an indicator's name in a file, a unit. Each rule returns its problem (a
`Message`) or None; the importers turn a problem into one line or a rejected row.

- Formula-like: text starting with `=`, `+`, `-` (unless it is a number), `@`, a tab or a carriage
  return is what a spreadsheet runs as a formula when the text comes back in a download (OWASP
  "CSV injection"). Names are stored and shown everywhere, so such a name is refused at import — by the same rule that quotes what Koers writes
  (`koers.exports.risky`).
- Reserved: the demo's invented figures live under one source (`EXAMPLE_SOURCE`, "voorbeelddata"),
  marked as invented wherever they appear and removed by `koers examples remove`. Real figures
  under that name (or the demo's other marks) would count as invented, and be deleted with them.
"""

from __future__ import annotations

from koers.exports import risky as formula_like
from koers.i18n import Message
from koers.indicators.catalogue import slug
from koers.store import EXAMPLE_AUTHOR, EXAMPLE_SOURCE, EXAMPLE_TITLE

RESERVED_SOURCES = frozenset(slug(name) for name in (EXAMPLE_SOURCE, EXAMPLE_TITLE, EXAMPLE_AUTHOR))


def shown(text: str) -> str:
    """`text` in quotes, with a tab or line break visible as \\t, \\r or \\n: a message stays one line."""
    return '"' + text.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n") + '"'


def source_name_problem(name: str) -> Message | None:
    """The problem with a source name a person gave, or None."""
    if formula_like(name):
        return Message("errors.names.formula_like", name=shown(name))
    if slug(name) in RESERVED_SOURCES:
        return Message("errors.names.reserved_source", name=shown(name))
    return None


def label_problem(what: str, text: str) -> Message | None:
    """The problem with a name or label stored as it is written (an indicator's column title, a
    unit), or None. `what` is the option or column it came from."""
    if formula_like(text):
        return Message("errors.names.formula_like_in", what=what, name=shown(text))
    return None
