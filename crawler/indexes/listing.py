"""Listing pages: an HTML page whose links matching the source's `follow` regex are articles."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import html as lxml_html

from crawler.indexes import IndexResult, MalformedIndex
from crawler.items import Link
from mediamon.config import Source
from mediamon.urls import canonical_url


def read_listing(body: bytes, url: str, source: Source) -> IndexResult:
    if not body.strip():
        raise MalformedIndex("listing page is empty")
    try:
        document = lxml_html.document_fromstring(body, base_url=url)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise MalformedIndex(f"listing page is not HTML ({exc})") from None
    follow = re.compile(source.follow or ".")
    seen: set[str] = set()
    links: list[Link] = []
    for anchor in document.iter("a"):
        href = anchor.get("href")
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        absolute = urljoin(url, href.strip())
        if not absolute.startswith(("http://", "https://")) or not follow.search(absolute):
            continue
        canonical = canonical_url(absolute)
        if canonical in seen:
            continue
        seen.add(canonical)
        title = " ".join(anchor.text_content().split()) or None
        links.append(Link(url=canonical, title=title))
    return IndexResult(links=links)
