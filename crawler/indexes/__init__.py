"""Readers for the pages that announce articles: feeds, sitemaps, listing pages and JSON APIs.

Each reader is a plain function from a fetched body to the links it announces, so it can
be tested without Scrapy. The spider picks the reader by the source's kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from crawler.items import Link
from mediamon.config import Source


class MalformedIndex(Exception):
    """The body is not the feed, sitemap or JSON the source promised."""


@dataclass
class IndexResult:
    links: list[Link] = field(default_factory=list)
    children: list[Link] = field(default_factory=list)  # further index pages (sitemap indexes)
    problem: str | None = None  # read, but something was wrong with it


Reader = Callable[[bytes, str, Source], IndexResult]


def reader_for(kind: str) -> Reader:
    from crawler.indexes import feed, json_api, listing, sitemap

    readers: dict[str, Reader] = {
        "feed": feed.read_feed,
        "sitemap": sitemap.read_sitemap,
        "listing": listing.read_listing,
        "json": json_api.read_json,
    }
    return readers[kind]
