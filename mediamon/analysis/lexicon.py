"""Turns the config's sides and cues into compiled matchers.

Phrases are matched case-insensitively on word boundaries. "word*" takes any ending; a
Cyrillic word also takes a short case ending on its own (Путин, Путина, Путиным); Hebrew
phrases also match behind the one-letter prefixes ו ה ב ל מ ש כ. Every language's cues are
tried on every text: a Russian cue will not match English text, and quotations cross
languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from mediamon.config import CONTACT_KINDS, Config

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_HEBREW = re.compile(r"[\u0590-\u05ff]")
_HEBREW_PREFIX = "(?:[והבלמשכ]{1,2})?"


def phrase_pattern(phrase: str) -> str:
    words = phrase.split()
    parts = []
    for word in words:
        stem = word.rstrip("*")
        escaped = re.escape(stem)
        if word.endswith("*"):
            escaped += r"\w*"
        elif _CYRILLIC.search(stem):
            escaped += r"[а-яё]{0,3}"
        parts.append(escaped)
    body = r"[\s\u00a0]+".join(parts)
    prefix = _HEBREW_PREFIX if _HEBREW.match(phrase) else ""
    return rf"(?<!\w){prefix}{body}(?!\w)"


def compile_phrases(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation of every phrase, longest first so the longest reading wins."""
    unique = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile("|".join(f"(?:{phrase_pattern(p)})" for p in unique), re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """A place in a sentence that names a side: an actor, a reference, or the country."""

    side: str
    actor: str | None  # the actor's canonical name, None for references and names
    party: bool  # an actor or reference: can be a party to a contact
    start: int
    end: int


class Lexicon:
    """Everything the analysis looks for in a text, compiled once per config."""

    def __init__(self, config: Config) -> None:
        self.sides = tuple(config.sides)
        self.offices = {
            actor.name for side in config.sides.values() for actor in side.actors if actor.office
        }
        self._mentions: list[tuple[re.Pattern[str], str, str | None, bool]] = []
        for side_id, side in config.sides.items():
            for actor in side.actors:
                pattern = compile_phrases((actor.name, *actor.aliases))
                if pattern:
                    self._mentions.append((pattern, side_id, actor.name, True))
            for phrases, party in ((side.references, True), (side.names, False)):
                pattern = compile_phrases(phrases)
                if pattern:
                    self._mentions.append((pattern, side_id, None, party))
        analysis = config.analysis
        self.contact_cues = {
            kind: pattern
            for kind in CONTACT_KINDS
            if (pattern := compile_phrases(_all(analysis.contacts.get(kind, {}))))  # type: ignore[call-overload]
        }
        self.not_contact = compile_phrases(_all(analysis.not_contact))
        self.speaker_cues = compile_phrases(_all(analysis.attribution.speaker))
        self.source_cues = compile_phrases(_all(analysis.attribution.source))

    def mentions(self, text: str) -> list[Mention]:
        """Every side mention, left to right; where matches overlap the longest wins."""
        found: list[Mention] = []
        for pattern, side, actor, party in self._mentions:
            for match in pattern.finditer(text):
                found.append(Mention(side, actor, party, match.start(), match.end()))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Mention] = []
        for mention in found:
            if kept and mention.start < kept[-1].end:
                continue  # inside a longer mention ("Russian President Vladimir Putin")
            kept.append(mention)
        return kept

    def contact_kinds(self, text: str) -> list[tuple[str, int]]:
        """(kind, position) of every contact cue in the text."""
        return [
            (kind, match.start())
            for kind, pattern in self.contact_cues.items()
            for match in pattern.finditer(text)
        ]

    def denies_contact(self, text: str) -> bool:
        return bool(self.not_contact and self.not_contact.search(text))


def _all(phrases: dict[str, tuple[str, ...]]) -> Iterator[str]:
    for language_phrases in phrases.values():
        yield from language_phrases
