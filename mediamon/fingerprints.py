"""Fingerprints of text: SimHash for near-duplicate articles (a wire story republished by
other outlets), and line fingerprints for a source's template (lines that recur across its
pages are boilerplate for that source)."""

from __future__ import annotations

import hashlib
import heapq
import re
import zlib

_WORD = re.compile(r"\w+", re.UNICODE)
SHINGLE = 3
FEATURES = 256  # 3-grams per article that make its SimHash
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
    """A 64-bit SimHash of the text's word 3-grams, as a signed integer (fits BIGINT).

    Only the `FEATURES` 3-grams with the smallest hashes take part: the choice is the same
    in every copy of a text, and it keeps the cost flat however long the article is."""
    words = [w.lower() for w in _WORD.findall(text)]
    grams = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    hashes = heapq.nsmallest(FEATURES, (_hash64(gram) for gram in grams))
    weights = [0] * 64
    for value in hashes:
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    unsigned = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def _hash64(gram: str) -> int:
    data = gram.encode()
    return zlib.crc32(data) << 32 | zlib.crc32(data, 0x9E3779B9)


def hamming(a: int, b: int) -> int:
    return bin((a ^ b) & ((1 << 64) - 1)).count("1")


def line_fingerprint(line: str) -> str:
    """The same line whatever its spacing, case or punctuation."""
    words = " ".join(w.lower() for w in _WORD.findall(line))
    return hashlib.blake2b(words.encode(), digest_size=8).hexdigest()


class Template:
    """A source's learned template during a crawl: counts kept in memory, written back once."""

    def __init__(self, pages: dict[str, int], stored: int) -> None:
        self.pages = pages
        self.stored = stored

    def strip(self, text: str) -> str:
        needed = max(TEMPLATE_PAGES, TEMPLATE_SHARE * self.stored)
        kept = [
            line for line in text.splitlines() if self.pages.get(line_fingerprint(line), 0) < needed
        ]
        return "\n".join(kept) or text  # a page of nothing but template keeps its text

    def learn(self, text: str) -> None:
        for fingerprint in template_candidates(text):
            self.pages[fingerprint] = self.pages.get(fingerprint, 0) + 1
        self.stored += 1


def template_candidates(text: str) -> dict[str, str]:
    """fingerprint -> line, for the lines short enough to be template."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and len(line.split()) <= TEMPLATE_MAX_WORDS:
            out.setdefault(line_fingerprint(line), line)
    return out
