"""Canonical article URLs: one address per article, whatever link or campaign led to it."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that only say how the reader arrived, never which page it is.
TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|gclsrc|dclid|yclid|msclkid|mc_cid|mc_eid|igshid|_ga|_gl|"
    r"ref|ref_src|referrer|cmpid|ito|ncid|ocid|sr_share|smid|spm|"
    r"at_medium|at_campaign|at_custom\d*|__twitter_impression)$",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": "80", "https": "443"}
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# Escaped characters that mean the same unescaped in a path; not `/` or `%`, nor non-ASCII bytes
# (kept as escapes, upper-cased: they may not be UTF-8).
_UNESCAPE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + _PATH_SAFE
) - {"/", "%"}


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    the remaining query sorted, and the path's percent-encoding normalised.

    Raises ValueError for a URL that cannot be read (a port out of range, a broken IPv6 host).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    netloc = host if port is None or str(port) == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = quote(_ESCAPE.sub(_normal_escape, parts.path), safe=_PATH_SAFE) or "/"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(key)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def _normal_escape(match: re.Match[str]) -> str:
    """`%7E` is `~`, `%d0` is `%D0`; `%2F` and `%25` stay escaped (unescaped, they would
    name another page), and so do bytes that are not UTF-8 (`%CF%F0`, a Windows-1251 path)."""
    char = chr(int(match.group(1), 16))
    return char if char in _UNESCAPE else f"%{match.group(1).upper()}"
