"""Listing pages: an HTML page whose links matching the source's `follow` regex are articles."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

from crawler.indexes import IndexResult, MalformedIndex
from crawler.items import Link
from mediamon.config import Source
from mediamon.urls import canonical_url

# The page is decoded first (BOM, then <meta charset>, else UTF-8) and handed to lxml as UTF-8:
# left to itself, lxml reads a page without <meta charset> as Latin-1.
_PARSER = lxml_html.HTMLParser(encoding="utf-8")


def read_listing(body: bytes, url: str, source: Source) -> IndexResult:
    if not body.strip():
        raise MalformedIndex("listing page is empty")
    _, text = html_to_unicode(None, body)
    try:
        document = lxml_html.document_fromstring(text.encode("utf-8"), _PARSER, base_url=url)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise MalformedIndex(f"listing page is not HTML ({exc})") from None
    follow = re.compile(source.follow or ".")
    found: dict[str, Link] = {}
    for anchor in document.iter("a"):
        href = anchor.get("href")
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        try:
            absolute = urljoin(url, href.strip())
            canonical = canonical_url(absolute)
        except ValueError:  # an unreadable href (bad port, broken IPv6 host): not an article
            continue
        # the canonical form too, so a fragment or campaign parameter does not hide an article
        if not absolute.startswith(("http://", "https://")) or not (
            follow.search(absolute) or follow.search(canonical)
        ):
            continue
        title = " ".join(anchor.text_content().split()) or None
        if canonical not in found or (title and not found[canonical].title):
            # a thumbnail link without text often comes before the headline link
            found[canonical] = Link(url=canonical, title=title)
    return IndexResult(links=list(found.values()))
