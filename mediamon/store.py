"""The only module that talks SQL: sources and their health, articles and versions, crawl runs.

SQLite (WAL mode) is the default; any SQLAlchemy URL works, PostgreSQL through
``postgresql+psycopg://``. Opening a store brings its schema to the newest Alembic
revision, so an upgrade of mediamon never needs a manual step and never drops data.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import create_engine, delete, event, func, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mediamon.config import Source
from mediamon.errors import CrawlInProgress, StorageError
from mediamon.fingerprints import NEAR, hamming
from mediamon.models import (
    ArticleRow,
    ArticleVersionRow,
    CrawlRunRow,
    EventRow,
    IndexPageRow,
    OutboxRow,
    SkippedUrlRow,
    SourceRow,
    StatementRow,
    SubscriberRow,
    TemplateLineRow,
)
from mediamon.subscriptions import Settings, Subscriber

MIGRATIONS = Path(__file__).with_name("migrations")
NEAR_DUPLICATE_WINDOW = timedelta(days=14)
SaveOutcome = Literal["new", "updated", "unchanged"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def content_hash(title: str | None, body: str) -> str:
    normalised = re.sub(r"\s+", " ", f"{title or ''}\n{body}").strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FetchedArticle:
    """What the crawler hands the store: one extracted article."""

    url: str
    source: str
    text: str
    title: str | None = None
    published: datetime | None = None
    language: str | None = None
    author: str | None = None
    site_name: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetch_url: str | None = None  # where the text was fetched, when that is not `url`
    simhash: int | None = None  # for finding other outlets' copies of the same story


@dataclass(frozen=True)
class Recheck:
    url: str
    etag: str | None
    last_modified: str | None
    fetch_url: str | None


@dataclass(frozen=True)
class SourceHealth:
    name: str
    kind: str
    url: str
    last_attempt: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    articles: int


@dataclass(frozen=True)
class StoredArticle:
    url: str
    source: str
    title: str | None
    published: datetime | None
    language: str | None
    text: str
    official: bool
    side: str | None
    first_seen: datetime
    versions: int
    relevant: bool | None = None
    event: str | None = None
    duplicate_of: str | None = None  # URL of the first copy of this story, if republished


@dataclass(frozen=True)
class PendingArticle:
    """An article the analysis has not read yet (or not since its text changed)."""

    id: int
    url: str
    title: str
    text: str
    published: datetime
    side: str | None
    official: bool


@dataclass
class EventRecord:
    id: str
    date: date
    kind: str
    participants: dict[str, list[str]]


@dataclass(frozen=True)
class StatementRecord:
    side: str
    text: str
    attributed: bool


@dataclass(frozen=True)
class EventArticle:
    url: str
    source: str
    title: str | None
    published: datetime | None
    official: bool
    side: str | None
    statements: tuple[StatementRecord, ...]
    duplicate: bool = False  # a republished copy of another article


@dataclass(frozen=True)
class EventDetails:
    id: str
    date: date
    kind: str
    participants: dict[str, list[str]]
    first_seen: datetime
    updated_at: datetime
    articles: tuple[EventArticle, ...]


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    chat_id: int
    thread_id: int | None
    kind: str
    text: str
    attempts: int


@dataclass(frozen=True)
class CrawlRun:
    id: int
    started: datetime
    finished: datetime | None
    status: str
    sources_ok: int
    sources_failed: int
    new_articles: int
    updated_articles: int
    requests: int
    bytes_received: int
    errors: list[dict[str, str]]


def redact(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]+@", r"\1:***@", url)


class Store:
    """A handle on the database; each method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)
        self._recent: list[tuple[int, int, int | None]] | None = None  # near-duplicate index

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect, and bring the schema up to date; raise `StorageError` with one line."""
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StorageError(f"storage.url: not a database URL: {redact(url)}") from None
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                try:
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StorageError(f"cannot create the folder for {database}: {exc}") from None
            options["connect_args"] = {"timeout": 30}
        try:
            engine = create_engine(url, **options)
        except (ArgumentError, ImportError) as exc:
            raise StorageError(f"cannot use database {redact(url)}: {exc}") from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            if migrate:
                store.migrate()
        except SQLAlchemyError as exc:
            engine.dispose()
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise StorageError(f"cannot open database {redact(url)}: {reason}") from None
        return store

    def migrate(self, revision: str = "head") -> None:
        from alembic import command
        from alembic.config import Config as AlembicConfig

        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        with self._session() as session, session.begin():
            yield session

    # -- the crawl lock --------------------------------------------------------------------

    @contextlib.contextmanager
    def crawl_lock(self) -> Iterator[None]:
        """Held for a whole crawl; a second crawl raises `CrawlInProgress` at once."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY})
                if not got.scalar():
                    raise CrawlInProgress("another crawl is already running; this one stops here")
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                    connection.commit()
            return
        database = self.engine.url.database or ""
        lock_path = Path(f"{database}.crawl.lock") if database not in ("", ":memory:") else None
        if lock_path is None:
            yield
            return
        with open(lock_path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CrawlInProgress(
                    f"another crawl is already running (lock {lock_path}); this one stops here"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- sources ---------------------------------------------------------------------------

    def sync_sources(self, sources: Sequence[Source]) -> None:
        """Mirror the config in the sources table (removed sources keep their rows and articles)."""
        with self.session() as session:
            existing = {row.name: row for row in session.scalars(select(SourceRow))}
            for source in sources:
                row = existing.get(source.name)
                if row is None:
                    row = SourceRow(name=source.name, consecutive_failures=0)
                    session.add(row)
                row.kind, row.url = source.kind, source.url
                row.side, row.official = source.side, source.official

    def _source(self, session: Session, name: str) -> SourceRow:
        row = session.scalar(select(SourceRow).where(SourceRow.name == name))
        if row is None:
            raise StorageError(f"unknown source {name!r}: sync the sources first")
        return row

    def record_source_outcome(self, name: str, error: str | None, now: datetime) -> None:
        """After a crawl of one source: success resets the failure count, failure adds one."""
        with self.session() as session:
            row = self._source(session, name)
            row.last_attempt = now
            if error is None:
                row.last_success = now
                row.consecutive_failures = 0
            else:
                row.last_error, row.last_error_at = error, now
                row.consecutive_failures = (row.consecutive_failures or 0) + 1

    def record_source_error(self, name: str, error: str, now: datetime) -> None:
        """An item failed while its source was read: keep it as the source's last error."""
        with self.session() as session:
            row = self._source(session, name)
            row.last_error, row.last_error_at = error, now

    def source_health(self) -> list[SourceHealth]:
        with self.session() as session:
            counts = dict(
                session.execute(
                    select(ArticleRow.source_id, func.count()).group_by(ArticleRow.source_id)
                ).all()
            )
            rows = session.scalars(select(SourceRow).order_by(SourceRow.name)).all()
            return [
                SourceHealth(
                    name=row.name,
                    kind=row.kind,
                    url=row.url,
                    last_attempt=row.last_attempt,
                    last_success=row.last_success,
                    last_error=row.last_error,
                    last_error_at=row.last_error_at,
                    consecutive_failures=row.consecutive_failures or 0,
                    articles=counts.get(row.id, 0),
                )
                for row in rows
            ]

    # -- conditional requests --------------------------------------------------------------

    def validators(self, source: str, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified last seen for an index page of a source."""
        with self.session() as session:
            row = session.scalar(
                select(IndexPageRow)
                .join(SourceRow)
                .where(SourceRow.name == source, IndexPageRow.url == url)
            )
            return (row.etag, row.last_modified) if row else (None, None)

    def index_children(self, source: str, url: str) -> list[str]:
        """The further index pages this index listed when it last changed."""
        with self.session() as session:
            row = session.scalar(
                select(IndexPageRow)
                .join(SourceRow)
                .where(SourceRow.name == source, IndexPageRow.url == url)
            )
            return list(row.children or []) if row else []

    def save_validators(
        self,
        source: str,
        url: str,
        etag: str | None,
        last_modified: str | None,
        status: int,
        now: datetime,
        children: Sequence[str] = (),
    ) -> None:
        with self.session() as session:
            source_row = self._source(session, source)
            row = session.scalar(
                select(IndexPageRow).where(
                    IndexPageRow.source_id == source_row.id, IndexPageRow.url == url
                )
            )
            if row is None:
                row = IndexPageRow(source_id=source_row.id, url=url, children=[])
                session.add(row)
            if status != 304:
                row.etag, row.last_modified = etag, last_modified
                row.children = list(children)
            row.last_fetched, row.last_status = now, status

    # -- articles --------------------------------------------------------------------------

    def unknown_urls(self, urls: Iterable[str]) -> set[str]:
        """Those of `urls` that are neither stored nor deliberately skipped."""
        wanted = set(urls)
        if not wanted:
            return set()
        known: set[str] = set()
        with self.session() as session:
            chunk = sorted(wanted)
            for start in range(0, len(chunk), 500):
                part = chunk[start : start + 500]
                known.update(
                    session.scalars(select(ArticleRow.url).where(ArticleRow.url.in_(part)))
                )
                known.update(
                    session.scalars(select(SkippedUrlRow.url).where(SkippedUrlRow.url.in_(part)))
                )
        return wanted - known

    def due_rechecks(
        self, source: str, after_hours: Sequence[float], now: datetime, limit: int = 50
    ) -> list[Recheck]:
        """Official articles due a fresh look (about an hour, then a day after first sight)."""
        if not after_hours:
            return []
        earliest = min(after_hours)
        with self.session() as session:
            rows = session.scalars(
                select(ArticleRow)
                .join(SourceRow)
                .where(
                    SourceRow.name == source,
                    ArticleRow.official.is_(True),
                    ArticleRow.checks_done < len(after_hours),
                    ArticleRow.first_seen <= now - timedelta(hours=earliest),
                )
                .order_by(ArticleRow.first_seen.desc())
            ).all()
            due = [
                Recheck(row.url, row.etag, row.last_modified, row.fetch_url)
                for row in rows
                if _checks_owed(row.first_seen, now, after_hours) > row.checks_done
            ]
        return due[:limit]

    def note_rechecked(self, url: str, after_hours: Sequence[float], now: datetime) -> None:
        """A re-check found nothing new (304 or same text): count it as done."""
        with self.session() as session:
            row = session.scalar(select(ArticleRow).where(ArticleRow.url == url))
            if row is not None:
                row.checks_done = max(
                    row.checks_done, _checks_owed(row.first_seen, now, after_hours)
                )
                row.last_checked = now

    def save_article(
        self, article: FetchedArticle, now: datetime, after_hours: Sequence[float] = ()
    ) -> SaveOutcome:
        """Insert a new article, or record a changed text as a new version of a stored one."""
        digest = content_hash(article.title, article.text)
        with self.session() as session:
            row = session.scalar(select(ArticleRow).where(ArticleRow.url == article.url))
            if row is None:
                source = self._source(session, article.source)
                row = ArticleRow(
                    url=article.url,
                    source_id=source.id,
                    official=source.official,
                    side=source.side if source.official else None,
                    first_seen=now,
                    checks_done=0,
                )
                session.add(row)
                outcome: SaveOutcome = "new"
                number = 1
            else:
                row.checks_done = max(
                    row.checks_done, _checks_owed(row.first_seen, now, after_hours)
                )
                row.last_checked = now
                row.etag = article.etag or row.etag
                row.last_modified = article.last_modified or row.last_modified
                if row.content_hash == digest:
                    return "unchanged"
                outcome = "updated"
                number = 1 + (
                    session.scalar(
                        select(func.max(ArticleVersionRow.number)).where(
                            ArticleVersionRow.article_id == row.id
                        )
                    )
                    or 0
                )
            row.title, row.text, row.content_hash = article.title, article.text, digest
            row.fetch_url = article.fetch_url
            row.simhash = article.simhash
            row.analyzed_at = None  # a new text is read again
            row.published = article.published or row.published
            row.language = article.language or row.language
            row.author, row.site_name = article.author, article.site_name
            row.etag, row.last_modified = article.etag, article.last_modified
            row.last_checked = now
            if outcome == "new" and article.simhash is not None:
                session.flush()  # the new row needs its id to be left out of the search
                row.duplicate_of = self._original(session, row.id, article.simhash, now)
            row.versions.append(
                ArticleVersionRow(
                    number=number,
                    fetched_at=now,
                    title=article.title,
                    text=article.text,
                    content_hash=digest,
                )
            )
            return outcome

    def _original(
        self, session: Session, article_id: int, fingerprint: int, now: datetime
    ) -> int | None:
        """The first copy of the same story among recent articles, if there is one. The
        recent fingerprints are read once per store handle and kept up to date, so a crawl
        of many articles does not read them again for each one."""
        if self._recent is None:
            self._recent = [
                (row_id, value, original)
                for row_id, value, original in session.execute(
                    select(ArticleRow.id, ArticleRow.simhash, ArticleRow.duplicate_of).where(
                        ArticleRow.id != article_id,
                        ArticleRow.simhash.is_not(None),
                        ArticleRow.first_seen >= now - NEAR_DUPLICATE_WINDOW,
                    )
                ).tuples()
                if value is not None
            ]
        best: tuple[int, int, int | None] | None = None
        for other_id, other, original in self._recent:
            distance = hamming(fingerprint, other)
            if distance <= NEAR and (best is None or distance < best[0]):
                best = (distance, other_id, original)
        found = (best[2] or best[1]) if best else None
        self._recent.append((article_id, fingerprint, found))
        return found

    def template(self, source: str) -> tuple[dict[str, int], int]:
        """A source's learned lines (fingerprint -> pages seen on) and its stored pages."""
        with self.session() as session:
            source_row = self._source(session, source)
            stored = session.scalar(
                select(func.count(ArticleRow.id)).where(ArticleRow.source_id == source_row.id)
            )
            lines = session.execute(
                select(TemplateLineRow.fingerprint, TemplateLineRow.pages).where(
                    TemplateLineRow.source_id == source_row.id
                )
            ).tuples()
            return {fingerprint: pages for fingerprint, pages in lines}, int(stored or 0)

    def save_template(self, source: str, pages: dict[str, int], now: datetime) -> None:
        """Write back a source's line counts (after a crawl learned from its new pages)."""
        if not pages:
            return
        with self.session() as session:
            source_row = self._source(session, source)
            rows = {
                row.fingerprint: row
                for row in session.scalars(
                    select(TemplateLineRow).where(TemplateLineRow.source_id == source_row.id)
                )
            }
            for fingerprint, count in pages.items():
                row = rows.get(fingerprint)
                if row is None:
                    session.add(
                        TemplateLineRow(
                            source_id=source_row.id,
                            fingerprint=fingerprint,
                            pages=count,
                            last_seen=now,
                        )
                    )
                elif row.pages != count:
                    row.pages, row.last_seen = count, now

    def skip_url(self, source: str, url: str, reason: str, now: datetime) -> None:
        """Remember a URL that will not be stored, so later crawls do not fetch it again."""
        with self.session() as session:
            if session.scalar(select(SkippedUrlRow.id).where(SkippedUrlRow.url == url)) is None:
                source_row = self._source(session, source)
                session.add(
                    SkippedUrlRow(url=url, source_id=source_row.id, reason=reason, seen_at=now)
                )

    def articles(
        self, since: datetime | None = None, limit: int | None = None, *, relevant: bool = False
    ) -> list[StoredArticle]:
        """Stored articles, newest first (by publication time, else first sight)."""
        newest = func.coalesce(ArticleRow.published, ArticleRow.first_seen)
        with self.session() as session:
            versions = (
                select(func.count(ArticleVersionRow.id))
                .where(ArticleVersionRow.article_id == ArticleRow.id)
                .scalar_subquery()
            )
            query = select(ArticleRow, versions).order_by(newest.desc(), ArticleRow.id.desc())
            if since is not None:
                query = query.where(newest >= since)
            if relevant:
                query = query.where(ArticleRow.relevant.is_(True))
            if limit is not None:
                query = query.limit(limit)
            found = session.execute(query).all()
            wanted = {row.duplicate_of for row, _ in found if row.duplicate_of}
            originals = (
                dict(
                    session.execute(
                        select(ArticleRow.id, ArticleRow.url).where(ArticleRow.id.in_(wanted))
                    )
                    .tuples()
                    .all()
                )
                if wanted
                else {}
            )
            return [
                StoredArticle(
                    url=row.url,
                    source=row.source.name,
                    title=row.title,
                    published=row.published,
                    language=row.language,
                    text=row.text,
                    official=row.official,
                    side=row.side,
                    first_seen=row.first_seen,
                    versions=count,
                    relevant=row.relevant,
                    event=row.event_id,
                    duplicate_of=originals.get(row.duplicate_of) if row.duplicate_of else None,
                )
                for row, count in found
            ]

    def versions(self, url: str) -> list[tuple[int, datetime, str | None, str]]:
        """(number, fetched_at, title, text) of every version of an article, oldest first."""
        with self.session() as session:
            rows = session.execute(
                select(
                    ArticleVersionRow.number,
                    ArticleVersionRow.fetched_at,
                    ArticleVersionRow.title,
                    ArticleVersionRow.text,
                )
                .join(ArticleRow)
                .where(ArticleRow.url == url)
                .order_by(ArticleVersionRow.number)
            ).all()
            return [(n, at, title, body) for n, at, title, body in rows]

    # -- analysis --------------------------------------------------------------------------

    def pending_analysis(self, limit: int = 500) -> list[PendingArticle]:
        """Articles not analysed since their last text, oldest first (so events form in order)."""
        published = func.coalesce(ArticleRow.published, ArticleRow.first_seen)
        with self.session() as session:
            rows = session.execute(
                select(ArticleRow, published)
                .where(ArticleRow.analyzed_at.is_(None))
                .order_by(published, ArticleRow.id)
                .limit(limit)
            ).all()
            return [
                PendingArticle(
                    id=row.id,
                    url=row.url,
                    title=row.title or "",
                    text=row.text,
                    published=_aware(moment),
                    side=row.side,
                    official=row.official,
                )
                for row, moment in rows
            ]

    def events_between(self, first: date, last: date) -> list[EventRecord]:
        with self.session() as session:
            rows = session.scalars(
                select(EventRow).where(EventRow.date >= first, EventRow.date <= last)
            ).all()
            return [EventRecord(r.id, r.date, r.kind, dict(r.participants)) for r in rows]

    def event_ids_like(self, prefix: str) -> set[str]:
        with self.session() as session:
            return set(session.scalars(select(EventRow.id).where(EventRow.id.startswith(prefix))))

    def save_event(self, event: EventRecord, now: datetime) -> None:
        """Create the event or update it (its id never changes)."""
        with self.session() as session:
            row = session.get(EventRow, event.id)
            if row is None:
                row = EventRow(id=event.id, first_seen=now)
                session.add(row)
            row.date, row.kind = event.date, event.kind
            row.participants = {side: list(names) for side, names in event.participants.items()}
            row.updated_at = now

    def save_analysis(
        self,
        article_id: int,
        now: datetime,
        *,
        relevant: bool,
        kind: str | None = None,
        contact_date: date | None = None,
        event_id: str | None = None,
        statements: Sequence[StatementRecord] = (),
    ) -> None:
        with self.session() as session:
            row = session.get(ArticleRow, article_id)
            if row is None:
                return  # deleted meanwhile
            row.analyzed_at, row.relevant = now, relevant
            row.contact_kind, row.contact_date, row.event_id = kind, contact_date, event_id
            session.execute(delete(StatementRow).where(StatementRow.article_id == article_id))
            session.add_all(
                StatementRow(
                    article_id=article_id,
                    event_id=event_id,
                    side=s.side,
                    text=s.text,
                    attributed=s.attributed,
                    position=position,
                )
                for position, s in enumerate(statements)
            )

    def reset_analysis(self) -> None:
        """Forget every analysis result, so the next run reads every article afresh."""
        with self.session() as session:
            session.execute(
                update(ArticleRow).values(
                    analyzed_at=None,
                    relevant=None,
                    contact_kind=None,
                    contact_date=None,
                    event_id=None,
                )
            )
            session.execute(delete(StatementRow))
            session.execute(delete(EventRow))

    def events(
        self,
        since: date | None = None,
        updated_since: datetime | None = None,
        *,
        event_id: str | None = None,
        limit: int | None = None,
    ) -> list[EventDetails]:
        """Events newest first, with their articles and statements."""
        with self.session() as session:
            query = select(EventRow).order_by(EventRow.date.desc(), EventRow.first_seen.desc())
            if since is not None:
                query = query.where(EventRow.date >= since)
            if updated_since is not None:
                query = query.where(EventRow.updated_at > updated_since)
            if event_id is not None:
                query = query.where(EventRow.id == event_id)
            if limit is not None:
                query = query.limit(limit)
            events = session.scalars(query).all()
            ids = [event.id for event in events]
            articles: dict[str, list[ArticleRow]] = {event_id: [] for event_id in ids}
            statements: dict[int, list[StatementRecord]] = {}
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                for article in session.scalars(
                    select(ArticleRow)
                    .where(ArticleRow.event_id.in_(part))
                    .order_by(func.coalesce(ArticleRow.published, ArticleRow.first_seen))
                ):
                    articles[article.event_id or ""].append(article)
                for statement in session.scalars(
                    select(StatementRow)
                    .where(StatementRow.event_id.in_(part))
                    .order_by(StatementRow.article_id, StatementRow.position)
                ):
                    statements.setdefault(statement.article_id, []).append(
                        StatementRecord(statement.side, statement.text, statement.attributed)
                    )
            return [
                EventDetails(
                    id=event.id,
                    date=event.date,
                    kind=event.kind,
                    participants=dict(event.participants),
                    first_seen=event.first_seen,
                    updated_at=event.updated_at,
                    articles=tuple(
                        EventArticle(
                            url=a.url,
                            source=a.source.name,
                            title=a.title,
                            published=a.published,
                            official=a.official,
                            side=a.side,
                            statements=tuple(statements.get(a.id, ())),
                            duplicate=a.duplicate_of is not None,
                        )
                        for a in articles[event.id]
                    ),
                )
                for event in events
            ]

    # -- subscribers -----------------------------------------------------------------------

    def subscribe(
        self,
        chat_id: int,
        chat_type: str,
        title: str | None,
        now: datetime,
        thread_id: int | None = None,
        settings: Settings | None = None,
    ) -> tuple[Subscriber, bool]:
        """Turn a chat's subscription on (keeping earlier settings); True when it is new."""
        with self.session() as session:
            row = session.get(SubscriberRow, chat_id)
            new = row is None
            if row is None:
                row = SubscriberRow(
                    chat_id=chat_id, created_at=now, settings=(settings or Settings()).to_json()
                )
                session.add(row)
            row.chat_type, row.title, row.thread_id = chat_type, title, thread_id
            row.active, row.paused, row.updated_at = True, None, now
            session.flush()
            return _subscriber(row), new

    def unsubscribe(self, chat_id: int, now: datetime) -> bool:
        with self.session() as session:
            row = session.get(SubscriberRow, chat_id)
            if row is None or not row.active:
                return False
            row.active, row.updated_at = False, now
            return True

    def subscriber(self, chat_id: int) -> Subscriber | None:
        with self.session() as session:
            row = session.get(SubscriberRow, chat_id)
            return _subscriber(row) if row else None

    def subscribers(self, *, receiving: bool = False) -> list[Subscriber]:
        with self.session() as session:
            query = select(SubscriberRow).order_by(SubscriberRow.chat_id)
            if receiving:
                query = query.where(SubscriberRow.active.is_(True), SubscriberRow.paused.is_(None))
            return [_subscriber(row) for row in session.scalars(query)]

    def save_settings(self, chat_id: int, settings: Settings, now: datetime) -> None:
        with self.session() as session:
            row = session.get(SubscriberRow, chat_id)
            if row is not None:
                row.settings, row.updated_at = settings.to_json(), now

    def pause(self, chat_id: int, reason: str | None, now: datetime) -> None:
        """Stop (reason) or resume (None) delivery to a chat without touching its subscription."""
        with self.session() as session:
            row = session.get(SubscriberRow, chat_id)
            if row is not None:
                row.paused, row.updated_at = reason, now

    def migrate_chat(self, old_id: int, new_id: int, now: datetime) -> None:
        """A group became a supergroup: its subscription and settings move to the new id."""
        with self.session() as session:
            old = session.get(SubscriberRow, old_id)
            if old is None or session.get(SubscriberRow, new_id) is not None:
                return
            session.add(
                SubscriberRow(
                    chat_id=new_id,
                    chat_type="supergroup",
                    title=old.title,
                    thread_id=old.thread_id,
                    active=old.active,
                    paused=old.paused,
                    settings=dict(old.settings),
                    created_at=old.created_at,
                    updated_at=now,
                    digested_until=old.digested_until,
                )
            )
            session.delete(old)
            session.execute(  # pending messages follow the chat to its new id
                update(OutboxRow)
                .where(OutboxRow.chat_id == old_id, OutboxRow.status == "pending")
                .values(chat_id=new_id)
            )

    def digested(self, chat_id: int, until: datetime) -> None:
        with self.session() as session:
            row = session.get(SubscriberRow, chat_id)
            if row is not None:
                row.digested_until = until

    def digested_until(self, chat_id: int) -> datetime | None:
        with self.session() as session:
            row = session.get(SubscriberRow, chat_id)
            return row.digested_until if row else None

    # -- outbox ----------------------------------------------------------------------------

    def enqueue(
        self,
        key: str,
        chat_id: int,
        thread_id: int | None,
        kind: str,
        text: str,
        now: datetime,
        not_before: datetime | None = None,
    ) -> bool:
        """Write a message to the outbox; False when one with this key is already there."""
        try:
            with self.session() as session:
                if session.scalar(select(OutboxRow.id).where(OutboxRow.key == key)) is not None:
                    return False
                session.add(
                    OutboxRow(
                        key=key,
                        chat_id=chat_id,
                        thread_id=thread_id,
                        kind=kind,
                        text=text,
                        status="pending",
                        attempts=0,
                        not_before=not_before or now,
                        created_at=now,
                    )
                )
        except IntegrityError:  # another process queued the same key a moment earlier
            return False
        return True

    def due(self, now: datetime, limit: int = 200) -> list[OutboxItem]:
        """Pending messages whose time has come, oldest first."""
        with self.session() as session:
            rows = session.scalars(
                select(OutboxRow)
                .where(OutboxRow.status == "pending", OutboxRow.not_before <= now)
                .order_by(OutboxRow.id)
                .limit(limit)
            ).all()
            return [
                OutboxItem(r.id, r.key, r.chat_id, r.thread_id, r.kind, r.text, r.attempts)
                for r in rows
            ]

    def delivered(self, item_id: int, now: datetime) -> None:
        self._outbox_update(item_id, status="sent", sent_at=now)

    def retry(self, item_id: int, when: datetime, error: str) -> None:
        with self.session() as session:
            row = session.get(OutboxRow, item_id)
            if row is not None:
                row.attempts += 1
                row.not_before, row.last_error = when, error

    def drop(self, item_id: int, reason: str) -> None:
        self._outbox_update(item_id, status="dropped", last_error=reason)

    def outbox_counts(self) -> dict[str, int]:
        with self.session() as session:
            rows = session.execute(
                select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
            )
            counts = {"pending": 0, "sent": 0, "dropped": 0}
            counts.update({status: int(n) for status, n in rows})
            return counts

    def _outbox_update(self, item_id: int, **values: Any) -> None:
        with self.session() as session:
            session.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(**values))

    def counts(self) -> dict[str, int]:
        """Totals for /status and /stats."""
        with self.session() as session:

            def count(query: Any) -> int:
                return int(session.scalar(query) or 0)

            return {
                "articles": count(select(func.count(ArticleRow.id))),
                "relevant": count(
                    select(func.count(ArticleRow.id)).where(ArticleRow.relevant.is_(True))
                ),
                "events": count(select(func.count(EventRow.id))),
                "subscribers": count(
                    select(func.count())
                    .select_from(SubscriberRow)
                    .where(SubscriberRow.active.is_(True))
                ),
                "paused": count(
                    select(func.count())
                    .select_from(SubscriberRow)
                    .where(SubscriberRow.active.is_(True), SubscriberRow.paused.is_not(None))
                ),
                "sources": count(select(func.count(SourceRow.id))),
                "failing": count(
                    select(func.count(SourceRow.id)).where(SourceRow.consecutive_failures > 0)
                ),
            }

    # -- crawl runs ------------------------------------------------------------------------

    def start_run(self, now: datetime) -> int:
        with self.session() as session:
            row = CrawlRunRow(started=now, status="running", errors=[])
            session.add(row)
            session.flush()
            return row.id

    def finish_run(
        self,
        run_id: int,
        now: datetime,
        *,
        status: str,
        sources_ok: int,
        sources_failed: int,
        new_articles: int,
        updated_articles: int,
        requests: int,
        bytes_received: int,
        errors: list[dict[str, str]],
    ) -> None:
        with self.session() as session:
            row = session.get(CrawlRunRow, run_id)
            if row is None:
                raise StorageError(f"crawl run {run_id} vanished from the store")
            row.finished, row.status = now, status
            row.sources_ok, row.sources_failed = sources_ok, sources_failed
            row.new_articles, row.updated_articles = new_articles, updated_articles
            row.requests, row.bytes_received = requests, bytes_received
            row.errors = errors

    def runs(self, limit: int = 10) -> list[CrawlRun]:
        with self.session() as session:
            rows = session.scalars(
                select(CrawlRunRow)
                .order_by(CrawlRunRow.started.desc(), CrawlRunRow.id.desc())
                .limit(limit)
            ).all()
            return [
                CrawlRun(
                    id=row.id,
                    started=row.started,
                    finished=row.finished,
                    status=row.status,
                    sources_ok=row.sources_ok,
                    sources_failed=row.sources_failed,
                    new_articles=row.new_articles,
                    updated_articles=row.updated_articles,
                    requests=row.requests,
                    bytes_received=row.bytes_received,
                    errors=list(row.errors or []),
                )
                for row in rows
            ]


_LOCK_KEY = 0x6D6D_6372  # "mmcr": one advisory lock id for the crawl


def _subscriber(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        chat_id=row.chat_id,
        chat_type=row.chat_type,
        title=row.title,
        thread_id=row.thread_id,
        active=row.active,
        paused=row.paused,
        settings=Settings.from_json(row.settings),
    )


def _aware(moment: datetime) -> datetime:
    """coalesce() bypasses the column type, so SQLite hands back a naive UTC time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _checks_owed(first_seen: datetime, now: datetime, after_hours: Sequence[float]) -> int:
    age = now - first_seen
    return sum(1 for hours in after_hours if age >= timedelta(hours=hours))


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
    finally:
        cursor.close()
