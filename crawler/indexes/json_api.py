"""JSON APIs: items found by a dotted path, each field mapped in config.

A field is a dotted path into the item (``Data.Title``, ``items.0.url``); `url` and
`body_url` may instead be templates that build a URL from fields
(``https://example.org/news/{UrlName}``; ``{url|last}`` takes the last segment of a path).
When `body_url` answers with JSON rather than a page, `body_path` says where its HTML is.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

from crawler.dates import parse_date
from crawler.indexes import IndexResult, MalformedIndex
from crawler.items import Link
from mediamon.config import JsonFields, Source
from mediamon.urls import canonical_url

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def read_json(body: bytes, url: str, source: Source) -> IndexResult:
    fields = source.fields
    assert fields is not None, "validated json sources have fields"
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedIndex(f"API answer is not JSON ({exc})") from None
    items = lookup(data, fields.items) if fields.items else data
    if not isinstance(items, list):
        raise MalformedIndex(
            f"API answer has no list at {fields.items or 'the top level'!r} "
            f"(found {type(items).__name__})"
        )
    links: list[Link] = []
    skipped = 0
    for item in items:
        link = _link(item, fields, url)
        if link is None:
            skipped += 1
        else:
            links.append(link)
    problem = f"{skipped} API items had no usable {fields.url!r}" if skipped else None
    return IndexResult(links=links, problem=problem)


def _link(item: Any, fields: JsonFields, base: str) -> Link | None:
    href = fill(fields.url, item)
    if not href:
        return None
    try:
        absolute = urljoin(base, href)
        url = canonical_url(absolute)
    except ValueError:  # an unreadable URL (bad port, broken IPv6 host): skipped like a missing one
        return None
    if not absolute.startswith(("http://", "https://")):
        return None
    body = lookup(item, fields.body) if fields.body else None
    body_url = fill(fields.body_url, item) if fields.body_url else None
    title = lookup(item, fields.title) if fields.title else None
    return Link(
        url=url,
        title=str(title).strip() if title else None,
        published=parse_date(lookup(item, fields.date)) if fields.date else None,
        body_html=str(body) if body and not body_url else None,
        fetch_url=urljoin(base, body_url) if body_url else None,
    )


def read_body(body: bytes, path: str) -> str | None:
    """The article HTML in a JSON answer fetched from `body_url`, found at `fields.body_path`.

    A `*` in the path takes every element of a list; their texts are joined.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedIndex(f"body answer is not JSON ({exc})") from None
    parts = [str(value) for value in _lookup_all(data, path.split(".")) if value not in (None, "")]
    return "\n".join(parts) or None


def _lookup_all(data: Any, parts: list[str]) -> list[Any]:
    if not parts:
        return [data]
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(data, list):
        return [found for element in data for found in _lookup_all(element, rest)]
    step = lookup(data, head)
    return [] if step is None else _lookup_all(step, rest)


def lookup(data: Any, path: str) -> Any:
    """Follow a dotted path through dicts and lists; None where it leads nowhere."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif (
            isinstance(data, list)
            and part.lstrip("-").isdigit()
            and -len(data) <= int(part) < len(data)
        ):
            data = data[int(part)]
        else:
            return None
    return data


def fill(template: str, item: Any) -> str | None:
    """A template with `{path}` placeholders, or a plain dotted path."""
    if not _PLACEHOLDER.search(template):
        value = lookup(item, template)
        return str(value).strip() if value not in (None, "") else None
    missing = False

    def value_of(match: re.Match[str]) -> str:
        nonlocal missing
        path, _, operation = match.group(1).partition("|")
        value = lookup(item, path)
        if value in (None, ""):
            missing = True
            return ""
        text = str(value).strip()
        if operation == "last":  # the last segment of a path: /en/departments/news/x -> x
            text = text.rstrip("/").rsplit("/", 1)[-1]
        return text

    filled = _PLACEHOLDER.sub(value_of, template)
    return None if missing else filled
