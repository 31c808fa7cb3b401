"""The extraction stage: turns a fetched HTML page into article text and metadata.

This is the only module that talks to trafilatura. It decodes the page, runs one
trafilatura extraction (text and metadata together), drops the calls to action trafilatura
lets through, and fills in what trafilatura does not give precisely enough: the publication
timestamp with its time and zone, and the language.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import trafilatura
from htmldate import find_date
from lxml.etree import XPath, XPathSyntaxError
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
from trafilatura.utils import detect_encoding
from w3lib.encoding import html_to_unicode

from crawler.boilerplate import strip_calls_to_action
from crawler.dates import parse_date
from crawler.language import guess_language

__all__ = ["Extracted", "extract_article"]


@dataclass(frozen=True)
class Extracted:
    """One article as the extraction stage hands it to the pipelines."""

    text: str  # the article body, paragraphs separated by "\n"; boilerplate removed
    title: str | None
    published: datetime | None  # timezone-aware (UTC if the page gives no zone); None if unknown
    author: str | None
    site_name: str | None
    language: str | None  # ISO 639-1 code such as "en", "ru", "he"


# Meta tags that carry the publication time, most specific first (keys are lower-cased).
_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
)
_LANGUAGE_META = ("og:locale", "content-language", "language", "dc.language")

# JSON-LD types whose datePublished is the article's (a WebPage's may be the site's).
_ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report|Posting", re.IGNORECASE)
# Does the value carry a time of day, or only a day?
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}|T\d{4}|^\d{9,}$")  # an epoch number counts
_EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
# Publishers' clocks and zones are sloppy; further ahead than this is a wrong value.
_FUTURE_SLACK = timedelta(days=1)

_SHORT = 600  # characters: below this, precision mode may have missed the body
_HEADLINE_CHARS = 300

_ITEMPROP_PUBLISHED = XPath('//*[@itemprop="datePublished"]')
_JSON_LD = XPath('//script[@type="application/ld+json"]')
_ARTICLE_TIME = XPath("//article//time[@datetime] | //time[@pubdate][@datetime]")


def extract_article(
    html: str | bytes,
    url: str | None = None,
    *,
    prune_xpath: Sequence[str] = (),
    language_hint: str | None = None,
    search_date: bool = True,
) -> Extracted | None:
    """None when the page has no article text.

    With `search_date` off, a page whose metadata states no date is not searched further
    (the text-wide search is the costliest part; a feed's date makes it unnecessary).
    """
    page = _decode(html) if isinstance(html, bytes) else html
    if not page.strip():
        return None
    # a lone string is a Sequence[str] too, of one-letter "rules"
    rules = _checked_rules((prune_xpath,) if isinstance(prune_xpath, str) else tuple(prune_xpath))
    # Parsed once here so the metadata we read ourselves and trafilatura share one parse.
    tree = trafilatura.load_html(page)
    if tree is None:
        return None
    meta = _meta_values(tree)

    title, author, site_name = _metadata(tree)
    text = _body(tree, url, rules, title, favor_precision=True)
    if len(text) < _SHORT:
        # Precision mode sometimes keeps only a fragment of a page it finds ambiguous; the
        # balanced mode's reading replaces it when it finds far more.
        fuller = _body(tree, url, rules, title, favor_precision=False)
        if len(fuller) > 2 * len(text):
            text = fuller
    if not text:
        return None

    published = _published(tree, meta, None)
    if published is None and search_date:  # no stated date: let htmldate search the page
        published = _published(
            tree, meta, find_date(tree, extensive_search=True, original_date=True, url=url)
        )
    return Extracted(
        text=text,
        title=title,
        published=published,
        author=author,
        site_name=site_name,
        language=guess_language(text, _declared_language(tree, meta), language_hint),
    )


def _body(
    tree: HtmlElement,
    url: str | None,
    rules: tuple[str, ...],
    title: str | None,
    *,
    favor_precision: bool,
) -> str:
    """One trafilatura pass, then our filters: calls to action out, the headline out."""
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        favor_precision=favor_precision,
        # trafilatura's own metadata pass scans the whole page for authors and dates and
        # costs as much as the text; `_metadata` reads the same fields from the cheap places
        with_metadata=False,
        # the dedup cache is process-global: results would depend on what ran before
        deduplicate=False,
        prune_xpath=list(rules) or None,
    )
    if document is None or isinstance(document, dict):
        return ""
    return _without_headline(strip_calls_to_action(document.text or ""), title)


def _without_headline(text: str, title: str | None) -> str:
    """The body starts after the headline: leading lines that repeat the title go."""
    wanted = _words(title)
    lines = text.split("\n")
    while lines and wanted and len(lines[0]) < _HEADLINE_CHARS:
        words = _words(lines[0])
        # the headline itself, or a long part of it (a kicker line is shorter)
        if not words or not (words == wanted or (len(words.split()) >= 3 and words in wanted)):
            break
        lines = lines[1:]
    return "\n".join(lines).strip()


def _words(text: str | None) -> str:
    return " ".join(re.findall(r"\w+", (text or "").lower()))


def _metadata(tree: HtmlElement) -> tuple[str | None, str | None, str | None]:
    """Title, author and site name from meta tags and JSON-LD, the title also from <h1>/<title>."""
    document = examine_meta(tree)
    # trafilatura's JSON-LD reader trips over odd markup; the meta tags then suffice
    with contextlib.suppress(Exception):
        document = extract_meta_json(tree, document)
    title = document.title or extract_title(tree)
    # a one-word "author" is usually a section or a site handle (trafilatura drops them too)
    author = document.author if document.author and " " in document.author.strip() else None
    site_name = (document.sitename or "").lstrip("@") or None
    return title or None, author, site_name


def _decode(body: bytes) -> str:
    """Decode like a browser: BOM, then <meta charset>/http-equiv, then detection."""
    _, text = html_to_unicode(None, body, auto_detect_fun=_detect_encoding)
    return text


def _detect_encoding(body: bytes) -> str | None:
    guesses = detect_encoding(body)
    return guesses[0] if guesses else None


@lru_cache(maxsize=256)
def _checked_rules(rules: tuple[str, ...]) -> tuple[str, ...]:
    # trafilatura would raise lxml's own error from deep inside; name the bad rule instead
    for rule in rules:
        try:
            XPath(rule)
        except XPathSyntaxError as err:
            raise ValueError(f"invalid prune_xpath rule {rule!r}: {err}") from err
    return rules


def _meta_values(tree: HtmlElement) -> dict[str, str]:
    """The page's <meta> contents by lower-cased name/property/itemprop/http-equiv."""
    values: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if not content or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = element.get(attribute)
            if key:
                values.setdefault(key.strip().lower(), content.strip())
    return values


def _declared_language(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    declared = tree.get("lang") or tree.get("xml:lang")
    if declared and declared.strip():
        return declared
    return next((meta[key] for key in _LANGUAGE_META if key in meta), None)


def _published(tree: HtmlElement, meta: dict[str, str], day: str | None) -> datetime | None:
    """The page's own timestamp when it has a time of day, else trafilatura's day."""
    first_day: datetime | None = None
    for value in _published_candidates(tree, meta):
        moment = parse_date(value)
        if moment is None or not _EARLIEST <= moment <= datetime.now(UTC) + _FUTURE_SLACK:
            continue
        if _HAS_TIME.search(value):
            return moment
        first_day = first_day or moment
    if day:
        try:
            return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            pass
    return first_day


def _published_candidates(tree: HtmlElement, meta: dict[str, str]) -> Iterator[str]:
    """Publication-time strings the page states, most trustworthy first."""
    for key in _PUBLISHED_META:
        if key in meta:
            yield meta[key]
    for element in _ITEMPROP_PUBLISHED(tree):
        value = element.get("content") or element.get("datetime") or element.text_content()
        if value and value.strip():
            yield value.strip()
    yield from _json_ld_published(tree)
    for element in _ARTICLE_TIME(tree):
        value = (element.get("datetime") or "").strip()
        if value:
            yield value


def _json_ld_published(tree: HtmlElement) -> Iterator[str]:
    others: list[str] = []
    for script in _JSON_LD(tree):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for node in _json_nodes(data):
            value = node.get("datePublished")
            if not isinstance(value, str) or not value.strip():
                continue
            kind = node.get("@type")
            kinds = " ".join(map(str, kind)) if isinstance(kind, list) else str(kind or "")
            if _ARTICLE_TYPES.search(kinds):
                yield value.strip()
            else:
                others.append(value.strip())
    yield from others


def _json_nodes(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    # @graph and nested objects hold the article; the depth cap guards against odd feeds
    if depth > 6:
        return
    if isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, dict | list):
                yield from _json_nodes(value, depth + 1)
    elif isinstance(data, list):
        for item in data:
            yield from _json_nodes(item, depth + 1)


_WARM_UP_PAGE = """<html lang="en"><head><title>Warm-up</title></head><body><article>
<h1>Warm-up</h1><p>Published on 3 March 2024. This short page exists so that a new extraction
worker loads its parsers and date tables before the first real page arrives.</p>
<p>It is never stored; its only purpose is to move a one-off start-up cost out of the crawl.</p>
</article></body></html>"""


def warm_up() -> None:
    """Load trafilatura's lazily built parts once (an extraction worker's initializer)."""
    extract_article(_WARM_UP_PAGE)
