"""Splits article text into sentences (English, Russian, Hebrew)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? … followed by space and a capital, digit, quote or Hebrew
# letter; not after an initial ("Vladimir V. Putin") or a title ("Mr.", "Dr.").
_BOUNDARY = re.compile(
    r"(?<=[.!?…])(?<!\b[A-ZА-ЯЁ]\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)"
    r"(?<!\bNo\.)(?<!\bvs\.)(?<!\bU\.S\.)(?<!\bU\.N\.)"
    r"[\"»”']?\s+(?=[\"«“'(]?[A-ZА-ЯЁ0-9\u0590-\u05ff])"
)


def sentences(text: str) -> list[str]:
    """Sentences in order; paragraphs (lines) never run into each other."""
    out: list[str] = []
    for paragraph in text.splitlines():
        paragraph = paragraph.strip()
        if paragraph:
            out.extend(part.strip() for part in _BOUNDARY.split(paragraph) if part.strip())
    return out
