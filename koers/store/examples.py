"""The demo's invented figures: where they live in the store, and taking them out again.

Invented figures (the demo's example series and targets) live under one source and nowhere else,
and the invented learning loop under one author, so `remove_examples` finds all of it.
"""

from __future__ import annotations

from koers.access import Actor, Permission, require
from koers.store.records import AuditedRecords

EXAMPLE_SOURCE = "voorbeelddata"
EXAMPLE_TITLE = "voorbeelddata, fictief"
EXAMPLE_AUTHOR = "Voorbeeld (fictief)"  # who wrote the demo's invented annotations, actions and reviews
EXAMPLE_KIND = "example"  # the import kind of the invented figures: the only import that may use EXAMPLE_SOURCE
EXAMPLE_PRECEDENCE = 1000  # below every real source: an example never overrides a real figure


class ExampleData(AuditedRecords):
    def remove_examples(self, actor: Actor) -> dict[str, int]:
        """Remove every invented figure: example observations, their revisions and targets (with
        their revision history), and the demo's invented learning loop (records by `EXAMPLE_AUTHOR`,
        review sessions with their snapshots and items)."""
        require(actor, Permission.import_data)
        con, shared = self._con, self._shared
        with self.transaction():
            removed = {
                "observations": con.execute(
                    "DELETE FROM observation_data WHERE source_no IN (SELECT no FROM observation_source WHERE source_table = ?)",
                    [EXAMPLE_SOURCE]).fetchall()[0][0],
                "revisions": con.execute("DELETE FROM observation_revision WHERE source_table = ?", [EXAMPLE_SOURCE]).fetchall()[0][0],
                "targets": shared.run("DELETE FROM target WHERE source = ?", [EXAMPLE_TITLE]),
            }
            shared.run("DELETE FROM target_revision WHERE source = ?", [EXAMPLE_TITLE])
            sessions = "(SELECT id FROM review_session WHERE created_by = ?)"
            items = shared.run(f"DELETE FROM review_item WHERE session_id IN {sessions}", [EXAMPLE_AUTHOR])
            shared.run(f"DELETE FROM review_snapshot WHERE session_id IN {sessions}", [EXAMPLE_AUTHOR])
            removed["records"] = items + sum(
                shared.run(f"DELETE FROM {table} WHERE created_by = ?", [EXAMPLE_AUTHOR])
                for table in ("annotation", "action", "review_item", "review_session"))
            con.execute("DELETE FROM indicator_source WHERE source_table = ?", [EXAMPLE_SOURCE])
            con.execute("DELETE FROM indicator WHERE id NOT IN (SELECT indicator_id FROM indicator_source)")
            self._audit(actor, "delete", "examples", EXAMPLE_SOURCE, None, removed)
        return {k: int(v) for k, v in removed.items()}
