"""What people write, on PostgreSQL (`KOERS_DATABASE_URL`), on a throwaway cluster of this test
process: the audit trail append-only for the owning role itself, two replicas saving from the same
version, the copy from a DuckDB file, the schema's columns and version, and one line when the
database cannot be reached. (The learning loop's, reviews' and scoped roles' tests run on both
backends: `shared_backend`.)"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import duckdb
import pandas as pd
import psycopg
import pytest
import yaml

from koers.access import LOCAL, Actor, Role
from koers.cli import main
from koers.errors import KoersError
from koers.kpis.library import load_library
from koers.loop import learning, review
from koers.store import SHARED_TABLES, Conflict, Store, shared_signature
from koers.store.shared import POSTGRES_SCHEMA_VERSION, close_pools

ADVISOR = Actor("a.de.vries@gemeente.nl", "Anna de Vries", Role.advisor)
OTHER = Actor("b.bakker@utrecht.nl", "Bram Bakker", Role.advisor)
ADMIN = Actor("beheer@gemeente.nl", "Beheerder", Role.admin)
NOTE = {"kpi_id": "population_growth", "region_code": "GM0363", "period": "2023", "kind": "explanation",
        "text": "Nieuwbouw op de Zuidas"}
ACTION = {"region_code": "GM0363", "title": "Wijkaanpak Noord", "owner": "Team Noord", "due_date": dt.date(2027, 3, 1),
          "status": "planned", "kpi_ids": ["population_growth", "staff_fte_per_1000"], "expected_effect": "minder werkloosheid"}


@pytest.fixture
def library(demo_db):
    with Store.open(demo_db, read_only=True) as store:
        return load_library(None, store.known_indicator_ids())


def test_the_audit_trail_is_append_only_even_for_the_role_that_owns_it(demo_db, postgres_url_factory, library):
    url = postgres_url_factory()
    with Store.open(demo_db, people_only=True) as store:
        assert store.read_only  # people's writes need no lock on the file
        saved = learning.save_annotation(store, library, ADVISOR, NOTE)
        learning.save_annotation(store, library, ADVISOR, {**NOTE, "text": "Verdichting"}, key=saved["id"], version=1)
    with psycopg.connect(url, autocommit=True) as con:
        owner, me, superuser = con.execute(
            """SELECT tableowner, current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
               FROM pg_tables WHERE tablename = 'audit_log' AND schemaname = current_schema()""").fetchone()
        assert owner == me == "koers" and not superuser
        before = con.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
        assert [row[5] for row in before] == ["create", "update"]
        for statement in ("UPDATE audit_log SET actor = 'iemand anders'", "DELETE FROM audit_log WHERE id = 1",
                          "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="audit_log_append_only"):
                con.execute(statement)
        assert con.execute("SELECT * FROM audit_log ORDER BY id").fetchall() == before
        con.execute("INSERT INTO audit_log (id, logged_at, actor, role, action, entity) "
                    "VALUES (99, now(), 'x', 'admin', 'create', 'annotation')")  # appending stays possible
        assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 3


def _in_other_replica(work):
    """Run `work(store)` in a thread with its own store (its own pooled connection, as another
    replica's process has); returns (thread, outcome) where outcome gets the result or error."""
    outcome = {}

    def run():
        try:
            with Store.open(_in_other_replica.db, people_only=True) as other:
                outcome["result"] = work(other)
        except Exception as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_two_replicas_saving_from_the_same_version_the_second_is_refused(demo_db, postgres_url_factory, library):
    postgres_url_factory()
    _in_other_replica.db = demo_db
    with Store.open(demo_db, people_only=True) as store:
        saved = learning.save_annotation(store, library, ADVISOR, NOTE)
        with store.transaction():  # replica A has written version 2 and not committed yet ...
            learning.save_annotation(store, library, ADVISOR, {**NOTE, "text": "A"}, key=saved["id"], version=1)
            # ... when replica B saves from the same version 1: B read version 1, then waits for A's row
            thread, outcome = _in_other_replica(lambda other: learning.save_annotation(
                other, library, OTHER, {**NOTE, "text": "B"}, key=saved["id"], version=1))
            time.sleep(0.5)
            assert thread.is_alive()  # waiting for A's lock, not overwriting
        thread.join(10)
        assert isinstance(outcome.get("error"), Conflict), outcome
        assert "Anna de Vries" in outcome["error"].message("nl")
        stored = store.records("annotation", id=saved["id"]).iloc[0]
        assert (stored["text"], stored["version"], stored["updated_by"]) == ("A", 2, "Anna de Vries")
        assert store.audit_log(ADMIN, "annotation")["action"].tolist() == ["update", "create"]  # B left nothing


def test_two_replicas_setting_the_same_new_target_the_second_is_refused(demo_db, postgres_url_factory, library):
    postgres_url_factory()
    _in_other_replica.db = demo_db
    revise = [("population_growth", "GM0363", 2030)]
    with Store.open(demo_db, people_only=True) as store:
        assert store.targets(region="GM0363").query("kpi_id == 'population_growth' and year == 2030").empty
        with store.transaction():
            learning.revise_target(store, library, ADVISOR, *revise[0], 1.5, 0.1, "coalitieakkoord", None)
            thread, outcome = _in_other_replica(lambda other: learning.revise_target(
                other, library, OTHER, *revise[0], 2.5, 0.1, "eigen plan", None))
            time.sleep(0.5)
        thread.join(10)
        assert isinstance(outcome.get("error"), Conflict), outcome
        kept = store.targets(kpi_id="population_growth", region="GM0363").set_index("year").loc[2030]
        assert (kept["value"], kept["version"], kept["revisions"]) == (1.5, 1, 1)
        # and an existing target changed by two replicas from version 1: the second is refused
        with store.transaction():
            learning.revise_target(store, library, ADVISOR, *revise[0], 1.7, 0.1, "bijgesteld", 1)
            thread, outcome = _in_other_replica(lambda other: learning.revise_target(
                other, library, OTHER, *revise[0], 1.9, 0.1, "ook bijgesteld", 1))
            time.sleep(0.5)
        thread.join(10)
        assert isinstance(outcome.get("error"), Conflict), outcome
        history = store.target_revisions("population_growth", "GM0363").query("year == 2030")
        assert history["value"].tolist() == [1.5, 1.7] and history["revision"].tolist() == [1, 2]


def test_copy_moves_everything_people_wrote_and_reads_back_the_same(demo_db, postgres_url_factory, library,
                                                                    monkeypatch, capsys):
    monkeypatch.delenv("KOERS_DATABASE_URL", raising=False)
    with Store.open(demo_db) as store:  # a single machine's history: every kind of record
        saved = learning.save_annotation(store, library, ADVISOR, NOTE)
        learning.save_annotation(store, library, ADVISOR, {**NOTE, "text": "Verdichting"}, key=saved["id"], version=1)
        learning.save_action(store, library, ADVISOR, ACTION)
        learning.revise_target(store, library, ADVISOR, "population_growth", "GM0363", 2030, 1.5, 0.1, "akkoord", None)
        session = review.create_session(store, library, ADVISOR, "GM0363", 2024, "Voorjaarsnota")
        review.save_item(store, library, ADVISOR, {"session_id": session, "kind": "finding", "text": "Groei zet door"})
        store.save_record("governance", {"owner": "CBS", "licence": "CC BY 4.0"}, ADMIN, key="85984NED")
        before = _everything(store, session)
    assert before["annotation"]["version"].tolist() == [2] and len(before["review_snapshot"]) > 50

    url = postgres_url_factory()
    assert main(["--db", str(demo_db), "shared", "copy"]) == 0
    told = capsys.readouterr().err
    rows = sum(len(frame) for frame in before.values())  # `targets` has a row per row of `target`
    assert f"{rows:,}".replace(",", ".") in told and "127.0.0.1" in told and "audit_log" in told
    with Store.open(demo_db, people_only=True) as store:
        after = _everything(store, session)
        for name, frame in before.items():
            copied = after[name] if name != "audit_log" else after[name].iloc[1:].reset_index(drop=True)
            pd.testing.assert_frame_equal(copied, frame, obj=name)
        newest = after["audit_log"].iloc[0]
        assert (newest["action"], newest["entity"], newest["entity_id"]) == ("import", "shared", "koers.duckdb")
        # the sequences continue past the copied ids
        new = learning.save_annotation(store, library, ADVISOR, NOTE)
        assert new["id"] > max(before["action"]["id"].max(), before["annotation"]["id"].max(), session)
    # the file itself is untouched: its own tables still hold the single machine's history
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM annotation").fetchone()[0] == 1

    assert main(["--db", str(demo_db), "shared", "copy"]) == 2  # into a database that holds data: refused
    refused = capsys.readouterr().err.strip()
    assert refused.count("\n") == 0 and "bevat al gegevens" in refused and "annotation (2)" in refused


def _everything(store: Store, session: int) -> dict[str, pd.DataFrame]:
    return {"annotation": store.records("annotation"), "action": store.records("action"),
            "review_session": store.records("review_session"), "review_item": store.records("review_item"),
            "governance": store.records("governance"), "targets": store.targets(),
            "target_revision": store.target_revisions(), "review_snapshot": store.review_snapshot(session),
            "audit_log": store.audit_log(ADMIN)}


def test_the_shared_tables_have_the_columns_of_the_file_in_the_same_order(demo_db, postgres_url_factory):
    url = postgres_url_factory()
    with Store.open(demo_db, read_only=True):  # migrates the shared database
        pass
    with duckdb.connect(str(demo_db), read_only=True) as duck, psycopg.connect(url) as pg:
        for table in SHARED_TABLES:
            in_file = [row[0] for row in duck.execute(f"DESCRIBE {table}").fetchall()]
            shared = [row[0] for row in pg.execute(
                """SELECT column_name FROM information_schema.columns
                   WHERE table_name = %s AND table_schema = current_schema() ORDER BY ordinal_position""",
                [table]).fetchall()]
            assert shared == in_file, table
        assert pg.execute("SELECT value FROM koers_shared_meta").fetchone()[0] == str(POSTGRES_SCHEMA_VERSION)


def test_a_newer_shared_schema_is_refused_in_one_line(demo_db, postgres_url_factory):
    url = postgres_url_factory()
    with Store.open(demo_db, read_only=True):
        pass
    close_pools(url)  # a new process: it checks the version again
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("UPDATE koers_shared_meta SET value = '99'")
    with pytest.raises(KoersError) as refused, Store.open(demo_db, read_only=True):
        pass
    assert "schemaversie 99" in refused.value.message("nl")


def test_an_unreachable_shared_database_is_one_line_without_the_password(demo_db, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    url = f"postgresql://koers:geheim@127.0.0.1:{port}/koers"
    monkeypatch.setenv("KOERS_DATABASE_URL", url)
    started = time.monotonic()
    try:
        with pytest.raises(KoersError) as refused, Store.open(demo_db, read_only=True, wait_seconds=2):
            pass
    finally:
        close_pools(url)
    message = refused.value.message("nl")
    assert time.monotonic() - started < 6
    assert message.startswith(f"de gedeelde database postgresql://koers:***@127.0.0.1:{port}/koers is niet bereikbaar")
    assert "geheim" not in message and "\n" not in message
    monkeypatch.setenv("KOERS_DATABASE_URL", "mysql://x")
    with pytest.raises(KoersError, match="postgresql://"), Store.open(demo_db, read_only=True):
        pass


def test_the_dashboards_signature_changes_with_a_target_of_another_replica_only(demo_db, postgres_url_factory,
                                                                               library):
    url = postgres_url_factory()
    with Store.open(demo_db, read_only=True):
        pass
    first = shared_signature(url)
    with Store.open(demo_db, people_only=True) as store:
        learning.save_annotation(store, library, ADVISOR, NOTE)  # read fresh on every run: no cache to renew
        assert shared_signature(url) == first
        learning.revise_target(store, library, LOCAL, "population_growth", "GM0363", 2030, 1.5, 0.1, "akkoord", None)
        second = shared_signature(url)
        assert second != first
        learning.revise_target(store, library, LOCAL, "population_growth", "GM0363", 2030, 1.6, 0.1, "bijgesteld", 1)
        assert shared_signature(url) not in (first, second)


def test_an_open_store_holds_no_connection_and_a_full_pool_is_one_line(demo_db, postgres_url_factory, monkeypatch,
                                                                        library):
    monkeypatch.setenv("KOERS_DATABASE_POOL", "1")  # this process's pool: one connection
    postgres_url_factory()
    with Store.open(demo_db, read_only=True, wait_seconds=1) as first, \
            Store.open(demo_db, read_only=True, wait_seconds=1) as second:  # two visits open at once
        assert first.records("annotation").empty and second.records("annotation").empty
        with first.transaction():  # ... but a transaction keeps the one connection until it ends
            learning.save_annotation(first, library, ADVISOR, NOTE)
            with pytest.raises(KoersError) as busy:
                second.records("annotation")
        assert len(second.records("annotation")) == 1
    message = busy.value.message("nl")
    assert "gaf binnen 1 s geen verbinding: alle 1 verbindingen van dit proces zijn in gebruik" in message
    assert "\n" not in message


ROLES_TOML = """default_role = "viewer"

[emails]
"a.de.vries@gemeente.nl" = "advisor"
"""


def test_the_roles_live_in_the_shared_database_and_every_replica_reads_them(demo_db, postgres_url_factory,
                                                                            tmp_path, monkeypatch, capsys):
    from koers.access import RoleSettings
    from koers.roles import load_roles, save_roles

    roles_file = tmp_path / "roles.toml"
    roles_file.write_text(ROLES_TOML, encoding="utf-8")
    monkeypatch.setenv("KOERS_ROLES", str(roles_file))
    postgres_url_factory()
    assert main(["--db", str(demo_db), "shared", "copy"]) == 0  # the roles file comes along
    assert "shared_document 1" in capsys.readouterr().err
    roles_file.unlink()  # from now on the file plays no part
    settings, checksum = load_roles()
    assert settings.emails == {"a.de.vries@gemeente.nl": Role.advisor} and checksum

    changed = RoleSettings(default_role=Role.viewer, emails={"a.de.vries@gemeente.nl": Role.admin}, groups={})
    with Store.open(demo_db, people_only=True) as store:
        new_checksum = save_roles(changed, ADMIN, checksum, store)
        with pytest.raises(Conflict) as stale:  # a second editor who loaded the same version
            save_roles(RoleSettings(emails={}, groups={}), ADMIN, checksum, store)
        trail = store.audit_log(ADMIN, "roles")
    assert "roles.toml" in stale.value.message("nl") and "\n" not in stale.value.message("nl")
    assert load_roles() == (changed, new_checksum) and not roles_file.exists()
    assert (trail["action"].tolist(), trail["entity_id"].tolist()) == (["update"], ["roles.toml"])
    assert json.loads(trail["before"].iloc[0])["emails"] == {"a.de.vries@gemeente.nl": "advisor"}
    assert json.loads(trail["after"].iloc[0])["emails"] == {"a.de.vries@gemeente.nl": "admin"}


# --- own KPI definitions: every version a row of `kpi_version` -----------------------------------

OWN_KPI = """id: bijstand_per_1000_inwoners
title: {nl: Bijstand per 1.000 inwoners, en: "Social assistance per 1,000 inhabitants"}
description: {nl: Een eigen KPI., en: An own KPI.}
theme: 2
kind: outcome
polarity: lower_is_better
unit: per 1.000 inwoners
definition: {type: ratio, numerator: %s, denominator: population, scale: 1000}
source: CBS Kerncijfers wijken en buurten
"""


def _folder_with_history(folder, known) -> None:
    """A single machine's metrics folder: a built-in changed twice in the studio and then by hand,
    and an own KPI written by hand only (one that names an unknown indicator: a rule's problem)."""
    from koers.kpis import versions

    library = load_library(folder, known)
    form = versions.form_of(library.kpis["population_growth"])
    versions.save(form | {"unit": "% per jaar"}, library, known, folder, "Els", editing="population_growth", actor=LOCAL,
                  now=dt.datetime(2025, 1, 14, 10, 15))
    versions.save(form | {"unit": "% groei"}, load_library(folder, known), known, folder, "Piet",
                  editing="population_growth", actor=LOCAL, now=dt.datetime(2025, 2, 1, 9, 0))
    current = folder / "population_growth.yaml"
    current.write_text(current.read_text(encoding="utf-8").replace("% groei", "% groei per jaar"), encoding="utf-8")
    (folder / "bijstand.yaml").write_text(OWN_KPI % "persons_bijstnd", encoding="utf-8")
    # An own KPI saved once and then taken out of the library by removing its file (its version stays).
    from metrics.model import Kpi

    removed = versions.form_of(Kpi.model_validate(yaml.safe_load(OWN_KPI % "population"))) | {"id": "verwijderde_kpi"}
    versions.save(removed, load_library(folder, known), known, folder, "Els", actor=LOCAL)
    (folder / "verwijderde_kpi.yaml").unlink()


def test_copy_moves_the_kpi_definitions_with_every_version_and_the_library_reads_the_same(
        demo_db, postgres_url_factory, library, tmp_path, monkeypatch, capsys):
    from koers.kpis import own

    folder = tmp_path / "metrics"
    monkeypatch.setenv("KOERS_METRICS", str(folder))
    with Store.open(demo_db, read_only=True) as store:
        known = store.known_indicator_ids()
    _folder_with_history(folder, known)
    on_one_machine = load_library(folder, known)
    history = {kpi_id: own.Folder(folder).versions(kpi_id) for kpi_id in ("population_growth", "bijstand_per_1000_inwoners")}
    assert [(v.number, v.author) for v in history["population_growth"]] == [(1, None), (2, "Els"), (3, "Piet")]
    assert history["bijstand_per_1000_inwoners"] == []

    url = postgres_url_factory()
    assert main(["--db", str(demo_db), "shared", "copy"]) == 0
    told = capsys.readouterr().err
    assert "kpi_version 5" in told  # 3 saved, the hand edit, the hand-written file
    assert "niet meegenomen: de versies van verwijderde_kpi, KPI's waarvan het bestand uit de map is verwijderd" in told
    shared = own.at()
    assert isinstance(shared, own.Database) and shared.url == url
    moved = shared.versions("population_growth")
    assert [(v.number, v.author, v.saved_at, v.kpi) for v in moved[:3]] == [
        (v.number, v.author, v.saved_at, v.kpi) for v in history["population_growth"]]
    assert (moved[3].number, moved[3].author, moved[3].origin) == (4, None, "population_growth.yaml")
    assert moved[3].kpi["unit"]["nl"] == "% groei per jaar"  # the hand edit, as the folder had it in force
    assert [(v.number, v.origin) for v in shared.versions("bijstand_per_1000_inwoners")] == [(1, "bijstand.yaml")]

    in_database = load_library(shared, known)
    assert in_database.kpis == on_one_machine.kpis and "verwijderde_kpi" not in in_database.kpis
    assert in_database.origin["population_growth"].file == "database:population_growth v4"
    # the rule's problem is read from the database, as it was from the file
    [problem] = [p for p in in_database.errors if p.kpi == "bijstand_per_1000_inwoners"]
    assert problem.text() == ('database:bijstand_per_1000_inwoners v1: bijstand_per_1000_inwoners: definition: '
                              'onbekende indicator of KPI "persons_bijstnd"')
    capsys.readouterr()
    with pytest.raises(SystemExit) as failed:  # the command reads them there too
        main(["--db", str(demo_db), "metrics", "validate"])
    assert failed.value.code == 2
    told = capsys.readouterr()
    assert "database:bijstand_per_1000_inwoners v1" in told.out
    # the folder still holds its files, unread now: the command says so (2 definitions in force there)
    assert f"let op: de 2 KPI-definitie(s) in {folder} worden niet gelezen" in told.err


def test_a_folder_holding_an_unreadable_definition_is_not_copied(demo_db, postgres_url_factory, tmp_path, monkeypatch,
                                                                 capsys):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "bijstand.yaml").write_text(OWN_KPI.replace("theme: 2", "theme: 7") % "population", encoding="utf-8")
    monkeypatch.setenv("KOERS_METRICS", str(folder))
    url = postgres_url_factory()
    assert main(["--db", str(demo_db), "shared", "copy"]) == 2
    told = capsys.readouterr().err.strip()
    assert told.startswith("niet gekopieerd: 1 KPI-definitie(s) in de map zijn niet te lezen, eerst ")
    assert "bijstand.yaml:4: bijstand_per_1000_inwoners: theme: " in told and "\n" not in told
    with psycopg.connect(url) as con:  # refused before anything was written, even the schema
        assert con.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").fetchone() == (0,)


def test_kpi_versions_are_never_changed_and_another_replica_reads_the_saved_one(demo_db, postgres_url_factory,
                                                                                library, tmp_path, monkeypatch):
    from koers.kpis import own, versions

    monkeypatch.setenv("KOERS_METRICS", str(tmp_path / "metrics"))
    url = postgres_url_factory()
    with Store.open(demo_db, read_only=True) as store:
        known = store.known_indicator_ids()
    before = shared_signature(url)
    replica_a, replica_b = own.at(), own.Database(url)  # two processes' view of the same database
    form = versions.form_of(library.kpis["population_growth"]) | {"unit": "% per jaar"}
    versions.save(form, load_library(replica_a, known), known, replica_a, "Els", editing="population_growth",
                  actor=ADVISOR, based_on=0, db=demo_db)
    assert shared_signature(url) != before  # every replica's dashboard reads its library afresh
    assert load_library(replica_b, known).kpis["population_growth"].unit.nl == "% per jaar"
    assert not (tmp_path / "metrics").exists()  # no file on any replica's disk
    with psycopg.connect(url, autocommit=True) as con:
        rows = con.execute("SELECT version, author, origin FROM kpi_version ORDER BY version").fetchall()
        assert rows == [(1, None, "metrics/theme_efficient.yaml"), (2, "Els", None)]
        for statement in ("UPDATE kpi_version SET author = 'iemand anders'", "DELETE FROM kpi_version WHERE version = 2",
                          "TRUNCATE kpi_version"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="kpi_version_append_only"):
                con.execute(statement)
        assert con.execute("SELECT version, author, origin FROM kpi_version ORDER BY version").fetchall() == rows
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="audit_log_append_only"):
            con.execute("DELETE FROM audit_log")  # the audit trail's trigger still names its table


def test_two_replicas_saving_a_kpi_definition_at_once_one_is_refused(demo_db, postgres_url_factory, library, tmp_path,
                                                                     monkeypatch):
    """Both loaded version 2 and press save at the same moment: the advisory lock lets one check and
    write at a time, so the second sees version 3 and is refused; no version number is taken twice."""
    from koers.errors import Conflict
    from koers.kpis import own, versions

    monkeypatch.setenv("KOERS_METRICS", str(tmp_path / "metrics"))
    postgres_url_factory()
    with Store.open(demo_db, read_only=True) as store:
        known = store.known_indicator_ids()
    place = own.at()
    form = versions.form_of(library.kpis["population_growth"])
    versions.save(form | {"unit": "% per jaar"}, library, known, place, "Els", editing="population_growth",
                  actor=ADVISOR, based_on=0, db=demo_db)
    loaded = load_library(place, known)
    start, outcomes = threading.Barrier(2), {}

    def save(who: Actor, unit: str) -> None:
        start.wait()
        try:
            outcomes[who.name] = versions.save(form | {"unit": unit}, loaded, known, place, who.name,
                                               editing="population_growth", actor=who, based_on=2, db=demo_db)
        except Conflict as error:
            outcomes[who.name] = error

    threads = [threading.Thread(target=save, args=(who, unit)) for who, unit in ((ADVISOR, "% a"), (OTHER, "% b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    refused = [name for name, outcome in outcomes.items() if isinstance(outcome, Conflict)]
    assert len(outcomes) == 2 and len(refused) == 1, outcomes
    [winner] = set(outcomes) - set(refused)
    assert "versie 3" in outcomes[refused[0]].message("nl") and winner in outcomes[refused[0]].message("nl")
    assert [(v.number, v.author) for v in place.versions("population_growth")] == [(1, None), (2, "Els"), (3, winner)]
    with Store.open(demo_db, read_only=True) as store:
        assert len(store.audit_log(ADMIN, "kpi_definition")) == 2  # the refused save left nothing
