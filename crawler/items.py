"""What flows through a crawl: links found on index pages, and fetched article pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Link:
    """An article a feed, sitemap, listing or API announced."""

    url: str  # canonical
    title: str | None = None
    published: datetime | None = None
    body_html: str | None = None  # when the index already carries the body (some APIs do)
    fetch_url: str | None = None  # where the body is, when that is not `url` (some APIs)


@dataclass
class Page:
    """A fetched article page on its way through extraction to the store."""

    source: str
    url: str  # canonical URL of the link (the store's key)
    html: str
    link: Link
    recheck: bool = False
    etag: str | None = None
    last_modified: str | None = None
    language_hint: str | None = None
