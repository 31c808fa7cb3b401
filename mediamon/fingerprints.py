"""Fingerprints of text: SimHash for near-duplicate articles (a wire story republished by
other outlets), and line fingerprints for a source's template (lines that recur across its
pages are boilerplate for that source)."""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE = 3
# SimHash bits that may differ between two copies of one story: unrelated texts differ in
# about 32 of 64, and two outlets' own reports of one event in 21 or more on our set
NEAR = 10
# A line is a source's template when it is on this many of its pages, and on at least this
# share of them: site chrome is on nearly every page, while a readout's formula ("Vladimir
# Putin had a telephone conversation with …") recurs on a few and is content.
TEMPLATE_PAGES = 4
TEMPLATE_SHARE = 0.6
TEMPLATE_MAX_WORDS = 60  # longer paragraphs are content even when repeated


def simhash(text: str) -> int:
    """A 64-bit SimHash of the text's word 3-grams, as a signed integer (fits BIGINT)."""
    words = [w.lower() for w in _WORD.findall(text)]
    grams = [" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))]
    weights = [0] * 64
    for gram in grams:
        value = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    unsigned = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def hamming(a: int, b: int) -> int:
    return bin((a ^ b) & ((1 << 64) - 1)).count("1")


def line_fingerprint(line: str) -> str:
    """The same line whatever its spacing, case or punctuation."""
    words = " ".join(w.lower() for w in _WORD.findall(line))
    return hashlib.blake2b(words.encode(), digest_size=8).hexdigest()


def template_candidates(text: str) -> dict[str, str]:
    """fingerprint -> line, for the lines short enough to be template."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and len(line.split()) <= TEMPLATE_MAX_WORDS:
            out.setdefault(line_fingerprint(line), line)
    return out
