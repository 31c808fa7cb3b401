"""Decides whether an article reports a contact between the two sides, and which.

A contact sentence, in the title or the lead, holds a contact cue ("spoke by phone",
«провели переговоры») and a party of each side: an actor or a reference to a side's
leadership; an official source stands for its own side even unnamed ("The President held
talks with the Prime Minister of Israel"). A sentence that denies or plans the contact
does not count, nor one whose contact lies further back than `max_contact_age_days`:
a retrospective that recalls old calls is not news of a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mediamon.analysis.lexicon import Lexicon, Mention
from mediamon.analysis.text import sentences
from mediamon.analysis.when import contact_date, local_day

# When one sentence holds cues of several kinds, the most specific wins.
KIND_ORDER = ("call", "meeting", "visit", "message", "other")


@dataclass(frozen=True)
class ArticleText:
    """What the analysis reads of a stored article."""

    title: str
    text: str
    published: datetime
    side: str | None  # the side an official source speaks for
    official: bool


@dataclass(frozen=True)
class ContactReport:
    kind: str
    participants: dict[str, tuple[str, ...]]  # side -> actor names found
    date: date
    dated_explicitly: bool
    sentences: tuple[str, ...]  # the contact sentences


def assess(
    article: ArticleText, lexicon: Lexicon, *, lead: int, max_age_days: int
) -> ContactReport | None:
    """The contact the article reports, or None when it reports none."""
    lead_sentences = [article.title, *sentences(article.text)[:lead]]
    found: list[tuple[str, str, list[Mention], int]] = []
    for sentence in lead_sentences:
        contact = _contact_kind(sentence, article, lexicon)
        if contact is not None:
            kind, position = contact
            found.append((sentence, kind, lexicon.mentions(sentence), position))
    if not found:
        return None
    published = local_day(article.published)
    dated = [
        (contact_date(sentence, article.published, position), sentence)
        for sentence, _, _, position in found
    ]
    explicit = [(day, sentence) for (day, is_explicit), sentence in dated if is_explicit]
    day, is_explicit = (explicit[0][0], True) if explicit else (published, False)
    if not (published - timedelta(days=max_age_days) <= day <= published + timedelta(days=1)):
        return None
    kinds = {kind for _, kind, _, _ in found}
    kind = next(k for k in KIND_ORDER if k in kinds)
    participants: dict[str, list[str]] = {side: [] for side in lexicon.sides}
    for _, _, mentions, _ in found:
        for mention in mentions:
            if (
                mention.actor
                and mention.actor not in lexicon.offices
                and mention.actor not in participants[mention.side]
            ):
                participants[mention.side].append(mention.actor)
    return ContactReport(
        kind=kind,
        participants={side: tuple(names) for side, names in participants.items()},
        date=day,
        dated_explicitly=is_explicit,
        sentences=tuple(sentence for sentence, _, _, _ in found),
    )


def _contact_kind(sentence: str, article: ArticleText, lexicon: Lexicon) -> tuple[str, int] | None:
    """The sentence's contact kind and where its cue is, if it reports a contact."""
    cues = lexicon.contact_kinds(sentence)
    if not cues or lexicon.denies_contact(sentence):
        return None
    parties = {mention.side for mention in lexicon.mentions(sentence) if mention.party}
    if article.official and article.side:
        parties.add(article.side)
    if not set(lexicon.sides) <= parties:
        return None
    kind = next(kind for kind in KIND_ORDER if any(k == kind for k, _ in cues))
    return kind, next(position for k, position in cues if k == kind)
