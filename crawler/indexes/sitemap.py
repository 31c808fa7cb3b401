"""Sitemaps: Google News sitemaps (publication date and title), plain sitemaps, sitemap indexes.

Scrapy's own sitemap support cannot see the Google News fields, so the sitemap is read here.
"""

from __future__ import annotations

from urllib.parse import urljoin

from crawler.dates import parse_date
from crawler.indexes import IndexResult, MalformedIndex
from crawler.indexes.xml import child_text, local, parse_xml
from crawler.items import Link
from mediamon.config import Source
from mediamon.urls import canonical_url


def read_sitemap(body: bytes, url: str, source: Source) -> IndexResult:
    root, problem = parse_xml(body, "sitemap")
    kind = local(root)
    if kind == "sitemapindex":
        children = [
            Link(url=child, published=parse_date(child_text(entry, "lastmod")))
            for entry in root
            if local(entry) == "sitemap" and (child := _absolute(url, child_text(entry, "loc")))
        ]
        return IndexResult(children=children, problem=problem)
    if kind != "urlset":
        raise MalformedIndex(f"not a sitemap (root element <{kind}>)")
    links = []
    for entry in root:
        if local(entry) != "url" or not (loc := child_text(entry, "loc")):
            continue
        try:
            canonical = canonical_url(urljoin(url, loc))
        except ValueError:  # an unreadable <loc> (bad port, broken IPv6 host) loses one entry
            continue
        news = next((child for child in entry if local(child) == "news"), None)
        title = published = None
        if news is not None:
            title = child_text(news, "title")
            published = parse_date(child_text(news, "publication_date"))
        links.append(
            Link(
                url=canonical,
                title=title,
                published=published or parse_date(child_text(entry, "lastmod")),
            )
        )
    return IndexResult(links=links, problem=problem)


def _absolute(base: str, loc: str | None) -> str | None:
    try:
        return urljoin(base, loc) if loc else None
    except ValueError:  # a broken IPv6 host
        return None
