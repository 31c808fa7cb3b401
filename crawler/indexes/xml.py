"""Safe XML parsing shared by the feed and sitemap readers (no entities, no network)."""

from __future__ import annotations

import contextlib
import gzip
import zlib

from lxml import etree

from crawler.indexes import MalformedIndex

_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_LENIENT = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)


def parse_xml(body: bytes, what: str) -> tuple[etree._Element, str | None]:
    """The root element, and a problem description when only a lenient parse could read it."""
    if body[:2] == b"\x1f\x8b":  # a .xml.gz served without Content-Encoding
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as exc:  # EOFError: cut off mid-download
            raise MalformedIndex(f"{what} is gzip but cannot be unpacked ({exc})") from None
    body = body.lstrip()
    if not body:
        raise MalformedIndex(f"{what} is empty")
    try:
        return etree.fromstring(body, _STRICT), None
    except etree.XMLSyntaxError as strict_error:
        root = None
        with contextlib.suppress(etree.XMLSyntaxError):
            root = etree.fromstring(body, _LENIENT)
        if root is None:
            raise MalformedIndex(f"{what} is not well-formed XML ({strict_error})") from None
        return root, f"{what} is not well-formed XML ({strict_error}); read what could be read"


def local(element: etree._Element) -> str:
    """The tag without its namespace."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def child_text(element: etree._Element, *names: str) -> str | None:
    """Text of the first direct child whose local name is one of `names`."""
    for name in names:
        for child in element:
            if local(child) == name and child.text and child.text.strip():
                return str(child.text.strip())
    return None
