"""The tables: sources and their health, articles and their versions, crawl runs.

Schema changes go through an Alembic revision in `mediamon/migrations/versions/`; a test
checks that the revisions build exactly these tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC; SQLite forgets the zone, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    side: Mapped[str | None] = mapped_column(String(50))
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    last_attempt: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)


class IndexPageRow(Base):
    """A feed, sitemap, listing or API URL with the validators for conditional requests."""

    __tablename__ = "index_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_fetched: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    # the further index pages it listed last time (a sitemap index), asked again on a 304
    children: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (UniqueConstraint("source_id", "url"),)


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    fetch_url: Mapped[str | None] = mapped_column(Text)  # where the text came from, if not `url`
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    language: Mapped[str | None] = mapped_column(String(20))
    author: Mapped[str | None] = mapped_column(Text)
    site_name: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    side: Mapped[str | None] = mapped_column(String(50))
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_checked: Mapped[datetime] = mapped_column(UtcDateTime)
    checks_done: Mapped[int] = mapped_column(Integer, default=0)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # the analysis: None until the article has been read (and again after each new version)
    analyzed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    relevant: Mapped[bool | None] = mapped_column(Boolean)
    contact_kind: Mapped[str | None] = mapped_column(String(20))
    contact_date: Mapped[date | None] = mapped_column(Date)
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    simhash: Mapped[int | None] = mapped_column(BigInteger)
    # the first copy of the same story (a republished wire report), if this is a later one
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )

    source: Mapped[SourceRow] = relationship(lazy="joined")
    versions: Mapped[list[ArticleVersionRow]] = relationship(
        back_populates="article", order_by="ArticleVersionRow.number", cascade="all, delete-orphan"
    )


class TemplateLineRow(Base):
    """A line seen on pages of one source, and on how many: the source's learned template."""

    __tablename__ = "template_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(16))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("source_id", "fingerprint"),)


class ArticleVersionRow(Base):
    """Every text an article has had; the newest equals the article's own text."""

    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))

    article: Mapped[ArticleRow] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("article_id", "number"),)


class SkippedUrlRow(Base):
    """URLs deliberately not stored (too old, not HTML, too large): never fetched again."""

    __tablename__ = "skipped_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EventRow(Base):
    """One contact between the sides, however many articles and languages report it."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    participants: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StatementRow(Base):
    """A sentence that is one side's account: from its own readout, or attributed by the press."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    attributed: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)


class SubscriberRow(Base):
    """A Telegram chat that receives alerts and digests, with its own settings."""

    __tablename__ = "subscribers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(Text)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # a forum topic to post into
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # subscribed
    paused: Mapped[str | None] = mapped_column(String(40))  # blocked, removed, not found
    settings: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # events updated after this went into no digest yet
    digested_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutboxRow(Base):
    """A message to deliver. Written before it is sent; `key` makes queuing idempotent
    (one alert per subscriber, event and verdict; one digest per subscriber and period)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))  # alert, digest
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending, sent, dropped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)  # retry time
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CrawlRunRow(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    finished: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")
    sources_ok: Mapped[int] = mapped_column(Integer, default=0)
    sources_failed: Mapped[int] = mapped_column(Integer, default=0)
    new_articles: Mapped[int] = mapped_column(Integer, default=0)
    updated_articles: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    bytes_received: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
