"""Finds what each side said: an official readout speaks for its side as a whole; in a
press report, the sentences that attribute something to a side ("the Kremlin said",
"according to a statement from his office", «сообщила канцелярия премьер-министра Израиля»).

Whose account a sentence is, in order of precedence:
1. a source named after "according to", "citing", «по данным»;
2. a closing frame: ", the Kremlin said." or, inverted, «…, сообщила канцелярия …»;
3. the subject of the first speech verb: the first party named before it;
4. a sentence that attributes without naming anyone ("It added", «По его словам»): the
   last side that spoke.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mediamon.analysis.lexicon import Lexicon, Mention
from mediamon.analysis.relevance import ArticleText
from mediamon.analysis.text import sentences

_CLAUSE = re.compile(r"[,;:—–]\s")
_NEAR = 60  # characters: how far a named source may follow its cue
_TAIL = 80  # an inverted frame («…, сообщила канцелярия премьера») closes the sentence
_INVERTED = 30


@dataclass(frozen=True)
class Statement:
    side: str
    text: str
    attributed: bool  # False: the sentence of an official readout; True: attributed by the press


def statements(article: ArticleText, lexicon: Lexicon) -> list[Statement]:
    body = sentences(article.text)
    if article.official and article.side:
        return [Statement(article.side, sentence, attributed=False) for sentence in body]
    found = []
    previous: str | None = None
    for sentence in body:
        side = attributed_side(sentence, lexicon, previous)
        if side is not None:
            found.append(Statement(side, sentence, attributed=True))
        # "It said …" refers back to whoever the sentence before was about
        parties = [m for m in lexicon.mentions(sentence) if m.party]
        previous = parties[0].side if parties else side or previous
    return found


def attributed_side(sentence: str, lexicon: Lexicon, previous: str | None = None) -> str | None:
    """The side whose words or position a sentence reports, if it attributes any."""
    mentions = lexicon.mentions(sentence)
    sources = list(lexicon.source_cues.finditer(sentence)) if lexicon.source_cues else []
    speakers = list(lexicon.speaker_cues.finditer(sentence)) if lexicon.speaker_cues else []
    for cue in reversed(sources):
        after = [
            m
            for m in mentions
            if cue.end() <= m.start <= cue.end() + _NEAR
            and not _CLAUSE.search(sentence, cue.end(), m.start)
        ]
        if after:
            return after[0].side
    for cue in reversed(speakers):
        side = _closing_frame(sentence, cue, mentions)
        if side is not None:
            return side
    if speakers:
        before = [m for m in mentions if m.end <= speakers[0].start()]
        if before:
            parties = [m for m in before if m.party]
            return (parties or before)[0].side
    if (sources or speakers) and previous:
        return previous  # "It added …", «По его словам …»: whom the text was just about
    return None


def _closing_frame(sentence: str, cue: re.Match[str], mentions: list[Mention]) -> str | None:
    """ ", the Kremlin said." or «…, сообщила канцелярия премьер-министра Израиля.»"""
    clauses = [m.end() for m in _CLAUSE.finditer(sentence, 0, cue.start())]
    if not clauses:
        return None
    clause_start = clauses[-1]
    if _CLAUSE.search(sentence, cue.end()) or len(sentence) - cue.end() > _TAIL:
        return None  # the sentence goes on: not a closing frame
    if cue.start() - clause_start <= _INVERTED * 2:  # ", the Kremlin said."
        inside = [m for m in mentions if clause_start <= m.start and m.end <= cue.start()]
        if inside:
            return inside[-1].side
    if sentence[clause_start : cue.start()].strip():
        return None  # only ", said X" / «, сообщила X» puts the speaker after the verb
    after = [m for m in mentions if cue.end() <= m.start <= cue.end() + _INVERTED]
    return after[0].side if after else None
