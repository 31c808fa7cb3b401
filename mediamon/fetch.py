"""Reads one input for `mediamon extract`: a saved HTML file, or a URL fetched once."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from mediamon.config import DEFAULT_USER_AGENT
from mediamon.errors import ExtractionError

MAX_BYTES = 20_000_000


def read_input(
    name: str, *, timeout: float = 30.0, user_agent: str = DEFAULT_USER_AGENT
) -> tuple[bytes, str | None]:
    """The raw bytes (decoding is the extractor's job) and the URL, if it was one."""
    if name.startswith(("http://", "https://")):
        request = urllib.request.Request(name, headers={"User-Agent": user_agent})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body: bytes = response.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise ExtractionError(f"{name}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ExtractionError(f"{name}: cannot fetch ({reason})") from None
        if len(body) > MAX_BYTES:
            raise ExtractionError(f"{name}: larger than {MAX_BYTES:,} bytes")
        return body, name
    path = Path(name)
    try:
        return path.read_bytes(), None
    except FileNotFoundError:
        raise ExtractionError(f"{name}: no such file") from None
    except OSError as exc:
        raise ExtractionError(f"{name}: cannot read ({exc.strerror or exc})") from None
