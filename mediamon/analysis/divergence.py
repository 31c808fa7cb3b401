"""Compares the two sides' accounts of one contact and says whether, and how, they differ.

Each side's account is its own official readout when it published one (in any language),
else what the press attributes to it. The accounts are compared on two levels:

- **Topics** from the taxonomy in config.yaml (`topics:`), whose cues exist in every
  language, so a Russian readout and a Hebrew one are comparable. This gives the verdict
  and the summary: the accounts diverge when each side stresses topics the other omits
  (emphasis), or when one side reports something conspicuous (an apology, a blame) the
  other never mentions (omission). Two sides that both assign blame, to different
  parties, contradict each other.
- **Claims** beyond the taxonomy: sentences of one account with no counterpart in the
  other (word overlap within one language). They are listed for the reader and raise the
  score, but never decide the verdict alone: wording differs even when substance agrees.

Press remarks that the versions differ are not used: many reports never say so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mediamon.analysis.lexicon import Lexicon, compile_phrases
from mediamon.config import Config
from mediamon.store import EventDetails

_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_CLAIM_WORDS = 6  # a sentence shorter than this is a greeting or a formality
_COUNTERPART = 0.2  # word overlap (Jaccard of stems) that makes two sentences one claim
_MAX_SUMMARY = 300


@dataclass(frozen=True)
class Verdict:
    diverging: bool
    score: float
    only: dict[str, list[str]]
    shared: list[str]
    summary: str
    kinds: list[str] = field(default_factory=list)  # emphasis, omission, contradiction
    topics: dict[str, list[str]] = field(default_factory=dict)
    claims: dict[str, list[str]] = field(default_factory=dict)


class Comparer:
    """The taxonomy compiled once per config."""

    def __init__(self, config: Config, lexicon: Lexicon | None = None) -> None:
        self.config = config
        self.lexicon = lexicon or Lexicon(config)
        self.topics = {
            topic_id: (topic, pattern)
            for topic_id, topic in config.topics.items()
            if (pattern := compile_phrases(p for phrases in topic.cues.values() for p in phrases))
        }

    def topics_of(self, sentences: Sequence[str]) -> dict[str, list[str]]:
        """topic id -> the sentences that raise it, in taxonomy order."""
        found: dict[str, list[str]] = {}
        for topic_id, (_, pattern) in self.topics.items():
            hits = [s for s in sentences if pattern.search(s)]
            if hits:
                found[topic_id] = hits
        return found

    def compare(self, event: EventDetails) -> Verdict:
        sides = list(self.config.sides)
        labels = {side: self.config.sides[side].label for side in sides}
        accounts = {side: account(event, side) for side in sides}
        topics = {side: self.topics_of(accounts[side]) for side in sides}
        topic_labels = {side: [self._label(t) for t in topics[side]] for side in sides}
        silent = [side for side in sides if not accounts[side]]
        if silent:
            speaking = [labels[s] for s in sides if s not in silent]
            summary = (
                f"Only {_join(speaking)} has given an account so far; "
                f"{_join([labels[s] for s in silent])} has not published one yet."
                if speaking
                else "Neither side has given an account yet; only press reports so far."
            )
            return Verdict(False, 0.0, {s: [] for s in sides}, [], summary, [], topic_labels, {})

        first, second = sides
        a, b = set(topics[first]), set(topics[second])
        only = {
            first: [t for t in topics[first] if not self._covered(t, b)],
            second: [t for t in topics[second] if not self._covered(t, a)],
        }
        shared = [t for t in topics[first] if t in b]
        conspicuous = {s: [t for t in only[s] if self.config.topics[t].conspicuous] for s in sides}
        kinds: list[str] = []
        if only[first] and only[second]:
            kinds.append("emphasis")
        if any(conspicuous.values()):
            kinds.append("omission")
        blame = (topics[first].get("blame", []), topics[second].get("blame", []))
        if blame[0] and blame[1] and self._blames_differ((first, second), blame):
            kinds.append("contradiction")
        claims = unmatched_claims(accounts[first], accounts[second])
        claims = {first: claims["first"], second: claims["second"]}
        union = a | b
        score = (len(only[first]) + len(only[second])) / len(union) if union else 0.0
        if any(conspicuous.values()) or "contradiction" in kinds:
            score += 0.3
        claimed = sum(len(v) for v in claims.values())
        total = sum(len(v) for v in accounts.values()) or 1
        score = min(1.0, 0.8 * score + 0.2 * claimed / total)
        verdict_only = {s: [self._label(t) for t in only[s]] for s in sides}
        verdict_shared = [self._label(t) for t in shared]
        summary = self._summary(kinds, verdict_only, verdict_shared, conspicuous, labels)
        return Verdict(
            bool(kinds),
            round(score, 2),
            verdict_only,
            verdict_shared,
            summary,
            kinds,
            topic_labels,
            claims,
        )

    def _covered(self, topic_id: str, other: set[str]) -> bool:
        """Does the other account raise this topic, or one that covers it?"""
        return topic_id in other or bool(other & set(self.config.topics[topic_id].related))

    def _label(self, topic_id: str) -> str:
        return self.config.topics[topic_id].label

    def _blames_differ(self, sides: tuple[str, str], blame: tuple[list[str], list[str]]) -> bool:
        """Both sides speak of blame, and one of them lays it on the other's country
        ("Israel bears full responsibility"): they do not agree on who is at fault."""
        for other, sentences in (
            (sides[1], blame[0]),
            (sides[0], blame[1]),
        ):
            for sentence in sentences:
                if any(m.side == other and not m.party for m in self.lexicon.mentions(sentence)):
                    return True
        return False

    def _summary(
        self,
        kinds: list[str],
        only: dict[str, list[str]],
        shared: list[str],
        conspicuous: dict[str, list[str]],
        labels: dict[str, str],
    ) -> str:
        parts = []
        if not kinds:
            parts.append("The accounts agree" + (f" on {_join(shared)}." if shared else "."))
        else:
            for side, topics in only.items():
                if topics:
                    parts.append(f"{labels[side]}: {_join(topics)}.")
            for side, ids in conspicuous.items():
                other = next(s for s in labels if s != side)
                for topic_id in ids:
                    parts.append(
                        f"Only {labels[side]} mentions {self._label(topic_id)}; "
                        f"{labels[other]} does not."
                    )
            if "contradiction" in kinds:
                parts.append("They blame different parties.")
            if shared:
                parts.append(f"Both: {_join(shared)}.")
        summary = " ".join(parts)
        if len(summary) > _MAX_SUMMARY:
            summary = summary[: _MAX_SUMMARY - 1].rsplit(" ", 1)[0] + "…"
        return summary[0].upper() + summary[1:] if summary else summary


def account(event: EventDetails, side: str) -> list[str]:
    """A side's own readout sentences, else what the press attributes to it."""
    official = [
        s.text for a in event.articles for s in a.statements if s.side == side and not s.attributed
    ]
    if official:
        return official
    return [s.text for a in event.articles for s in a.statements if s.side == side and s.attributed]


def unmatched_claims(first: Sequence[str], second: Sequence[str]) -> dict[str, list[str]]:
    """Sentences of substance in one account with no counterpart in the other, compared
    within one script (the English readouts of both sides, typically)."""

    def claims(mine: Sequence[str], theirs: Sequence[str]) -> list[str]:
        theirs_words = [_stems(s) for s in theirs if _LATIN.search(s)]
        out = []
        for sentence in mine:
            words = _stems(sentence)
            if len(words) < _CLAIM_WORDS or not _LATIN.search(sentence) or not theirs_words:
                continue
            best = max(len(words & other) / len(words | other) for other in theirs_words)
            if best < _COUNTERPART:
                out.append(sentence)
        return out

    return {"first": claims(first, second), "second": claims(second, first)}


def _stems(sentence: str) -> set[str]:
    return {word.lower()[:6] for word in _WORD.findall(sentence)}


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
