"""RSS 2.0, RSS 1.0 and Atom feeds."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree

from crawler.dates import parse_date
from crawler.indexes import IndexResult, MalformedIndex
from crawler.indexes.xml import child_text, local, parse_xml
from crawler.items import Link
from mediamon.config import Source
from mediamon.urls import canonical_url


def read_feed(body: bytes, url: str, source: Source) -> IndexResult:
    root, problem = parse_xml(body, "feed")
    kind = local(root)
    if kind not in ("rss", "RDF", "feed"):
        raise MalformedIndex(f"not an RSS or Atom feed (root element <{kind}>)")
    entries = [el for el in root.iter() if local(el) in ("item", "entry")]
    links: list[Link] = []
    for entry in entries:
        href = _atom_link(entry) if local(entry) == "entry" else _rss_link(entry)
        if not href:
            continue
        try:
            canonical = canonical_url(urljoin(url, href))
        except ValueError:  # an unreadable link (bad port, broken IPv6 host) loses one entry
            continue
        links.append(
            Link(
                url=canonical,
                title=child_text(entry, "title"),
                published=parse_date(
                    child_text(entry, "pubDate", "published", "date", "updated", "issued")
                ),
            )
        )
    return IndexResult(links=links, problem=problem)


def _rss_link(item: etree._Element) -> str | None:
    link = child_text(item, "link")
    if link:
        return link
    for child in item:
        if local(child) == "guid" and child.get("isPermaLink", "true") != "false" and child.text:
            text = child.text.strip()
            if text.startswith("http"):
                return str(text)
    return None


def _atom_link(entry: etree._Element) -> str | None:
    fallback = None
    for child in entry:
        if local(child) != "link" or not child.get("href"):
            continue
        rel = child.get("rel", "alternate")
        if rel == "alternate" and child.get("type", "text/html") in (
            "text/html",
            "application/xhtml+xml",
        ):
            return str(child.get("href"))
        fallback = fallback or (child.get("href") if rel == "alternate" else None)
    return fallback
