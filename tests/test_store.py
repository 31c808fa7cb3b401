"""The store, run unchanged on a SQLite file and on the machine's PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from mediamon.config import Source
from mediamon.errors import CrawlInProgress, StorageError
from mediamon.models import Base
from mediamon.store import FetchedArticle, Store

NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
KREMLIN = Source(name="Kremlin", feed="http://kremlin.test/feed", side="russia", official=True)
WIRE = Source(name="Wire", sitemap="http://wire.test/sitemap.xml")
RECHECKS = (1.0, 24.0)


def article(
    url: str, source: str = "Kremlin", body: str = "The two leaders spoke."
) -> FetchedArticle:
    return FetchedArticle(url=url, source=source, text=body, title="A call", published=NOW)


@pytest.fixture
def synced(store: Store) -> Store:
    store.sync_sources([KREMLIN, WIRE])
    return store


def test_schema_matches_the_models_after_migrations(store: Store) -> None:
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_sqlite_store_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with (
        Store.open(f"sqlite:///{tmp_path / 'nested' / 'm.db'}") as store,
        store.engine.connect() as connection,
    ):
        mode = connection.execute(text("PRAGMA journal_mode")).scalar()
    assert mode == "wal"
    assert (tmp_path / "nested" / "m.db").exists()


def test_reopening_keeps_every_row(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.sync_sources([KREMLIN])
        store.save_article(article("http://kremlin.test/1"), NOW)
    with Store.open(store_url) as again:  # runs the migrations again
        assert [a.url for a in again.articles()] == ["http://kremlin.test/1"]


def test_new_article_then_unchanged_then_a_new_version(synced: Store) -> None:
    url = "http://kremlin.test/events/1"
    assert synced.save_article(article(url, body="First text."), NOW) == "new"
    assert synced.save_article(article(url, body="First  text."), NOW) == "unchanged"
    later = NOW + timedelta(hours=2)
    assert synced.save_article(article(url, body="Edited text."), later, RECHECKS) == "updated"
    versions = synced.versions(url)
    assert [(n, body) for n, _, _, body in versions] == [(1, "First text."), (2, "Edited text.")]
    [stored] = synced.articles()
    assert stored.text == "Edited text." and stored.versions == 2
    assert stored.official and stored.side == "russia"


def test_press_articles_speak_for_no_side(synced: Store) -> None:
    synced.save_article(article("http://wire.test/a", source="Wire"), NOW)
    [stored] = synced.articles()
    assert not stored.official and stored.side is None


def test_unknown_urls_leaves_out_stored_and_skipped(synced: Store) -> None:
    synced.save_article(article("http://kremlin.test/1"), NOW)
    synced.skip_url("Kremlin", "http://kremlin.test/report.pdf", "not an HTML page", NOW)
    urls = {"http://kremlin.test/1", "http://kremlin.test/report.pdf", "http://kremlin.test/2"}
    assert synced.unknown_urls(urls) == {"http://kremlin.test/2"}


def test_official_articles_are_rechecked_after_an_hour_and_after_a_day(synced: Store) -> None:
    synced.save_article(article("http://kremlin.test/1"), NOW)
    synced.save_article(article("http://wire.test/1", source="Wire"), NOW)

    def due(at: datetime) -> list[str]:
        return [r.url for r in synced.due_rechecks("Kremlin", RECHECKS, at)] + [
            r.url for r in synced.due_rechecks("Wire", RECHECKS, at)
        ]

    assert due(NOW + timedelta(minutes=30)) == []
    assert due(NOW + timedelta(hours=1, minutes=5)) == ["http://kremlin.test/1"]
    synced.note_rechecked("http://kremlin.test/1", RECHECKS, NOW + timedelta(hours=1, minutes=5))
    assert due(NOW + timedelta(hours=5)) == []
    assert due(NOW + timedelta(hours=25)) == ["http://kremlin.test/1"]
    synced.note_rechecked("http://kremlin.test/1", RECHECKS, NOW + timedelta(hours=25))
    assert due(NOW + timedelta(days=30)) == []


def test_a_late_first_recheck_counts_for_both(synced: Store) -> None:
    synced.save_article(article("http://kremlin.test/1"), NOW)
    synced.note_rechecked("http://kremlin.test/1", RECHECKS, NOW + timedelta(days=3))
    assert synced.due_rechecks("Kremlin", RECHECKS, NOW + timedelta(days=4)) == []


def test_source_health_counts_consecutive_failures(synced: Store) -> None:
    synced.record_source_outcome("Wire", "http://wire.test/sitemap.xml: HTTP 500", NOW)
    synced.record_source_outcome("Wire", "http://wire.test/sitemap.xml: timed out", NOW)
    wire = next(h for h in synced.source_health() if h.name == "Wire")
    assert wire.consecutive_failures == 2 and wire.last_success is None
    assert wire.last_error == "http://wire.test/sitemap.xml: timed out"
    synced.record_source_outcome("Wire", None, NOW + timedelta(minutes=15))
    wire = next(h for h in synced.source_health() if h.name == "Wire")
    assert wire.consecutive_failures == 0
    assert wire.last_success == NOW + timedelta(minutes=15)
    assert wire.last_error is not None  # the last error stays visible after recovery


def test_validators_survive_a_304(synced: Store) -> None:
    url = "http://kremlin.test/feed"
    synced.save_validators("Kremlin", url, '"abc"', "Tue, 05 Mar 2024 10:00:00 GMT", 200, NOW)
    synced.save_validators("Kremlin", url, None, None, 304, NOW)
    assert synced.validators("Kremlin", url) == ('"abc"', "Tue, 05 Mar 2024 10:00:00 GMT")
    assert synced.validators("Wire", url) == (None, None)


def test_crawl_runs_are_recorded(synced: Store) -> None:
    run = synced.start_run(NOW)
    synced.finish_run(
        run,
        NOW + timedelta(seconds=40),
        status="completed",
        sources_ok=1,
        sources_failed=1,
        new_articles=3,
        updated_articles=0,
        requests=12,
        bytes_received=4096,
        errors=[{"source": "Wire", "error": "HTTP 500", "fatal": "yes"}],
    )
    [recorded] = synced.runs()
    assert recorded.status == "completed" and recorded.new_articles == 3
    assert recorded.errors == [{"source": "Wire", "error": "HTTP 500", "fatal": "yes"}]
    assert recorded.started == NOW


def test_a_second_crawl_lock_is_refused(store_url: str) -> None:
    with Store.open(store_url) as first, Store.open(store_url) as second:
        with first.crawl_lock(), pytest.raises(CrawlInProgress), second.crawl_lock():
            pass
        with second.crawl_lock():  # released with the first crawl
            pass


def test_unreachable_postgres_is_one_clear_line() -> None:
    with pytest.raises(StorageError) as raised:
        Store.open("postgresql+psycopg://mediamon:secret@127.0.0.1:1/nowhere")
    message = str(raised.value)
    assert "cannot open database" in message and "\n" not in message
    assert "secret" not in message


def test_not_a_database_url_is_refused() -> None:
    with pytest.raises(StorageError, match="not a database URL"):
        Store.open("definitely not a url")


def test_upgrading_an_older_schema_keeps_every_article(store_url: str) -> None:
    old = Store.open(store_url, migrate=False)
    old.migrate("0001")  # the schema as the first release left it
    with old.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sources (id, name, kind, url, official, consecutive_failures) "
                "VALUES (1, 'Kremlin', 'feed', 'http://kremlin.test/feed', true, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO articles (url, source_id, title, text, content_hash, official, "
                "first_seen, last_checked, checks_done) VALUES ('http://kremlin.test/1', 1, "
                "'A call', 'The presidents spoke.', 'h', true, :now, :now, 0)"
            ),
            {"now": NOW},
        )
    old.close()
    with Store.open(store_url) as upgraded:
        [kept] = upgraded.articles()
        assert (kept.url, kept.text, kept.relevant) == (
            "http://kremlin.test/1",
            "The presidents spoke.",
            None,
        )
        assert [a.url for a in upgraded.pending_analysis()] == ["http://kremlin.test/1"]
