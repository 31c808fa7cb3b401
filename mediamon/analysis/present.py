"""Events as `mediamon events` shows them: the JSON of INTERFACE.md and short text lines."""

from __future__ import annotations

from typing import Any

from mediamon.analysis.divergence import Comparer, Verdict
from mediamon.config import Config
from mediamon.store import EventDetails


def event_json(event: EventDetails, config: Config, comparer: Comparer) -> dict[str, Any]:
    verdict = comparer.compare(event)
    sides: dict[str, Any] = {}
    for side in config.sides:
        speaking = [a for a in event.articles if any(s.side == side for s in a.statements)]
        sides[side] = {
            "statements": [
                {
                    "url": article.url,
                    "source": article.source,
                    "official": article.official,
                    "published": article.published.isoformat() if article.published else None,
                    "quotes": [s.text for s in article.statements if s.side == side],
                }
                for article in speaking
            ],
            "topics": verdict.topics.get(side, []),
        }
    people = [name for side in config.sides for name in event.participants.get(side, [])]
    return {
        "id": event.id,
        "date": event.date.isoformat(),
        "kind": event.kind,
        "participants": people,
        "sides": sides,
        "divergence": divergence_json(verdict),
        "articles": [
            {
                "url": article.url,
                "source": article.source,
                "title": article.title,
                "published": article.published.isoformat() if article.published else None,
                "official": article.official,
            }
            for article in event.articles
        ],
        "first_seen": event.first_seen.isoformat(),
        "updated": event.updated_at.isoformat(),
    }


def divergence_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "diverging": verdict.diverging,
        "score": verdict.score,
        "only": verdict.only,
        "shared": verdict.shared,
        "summary": verdict.summary,
        "kinds": verdict.kinds,
        "unmatched_claims": verdict.claims,
    }


def event_line(event: EventDetails, config: Config) -> str:
    people = ", ".join(name for side in config.sides for name in event.participants.get(side, []))
    official = sorted({config.sides[a.side].label for a in event.articles if a.official and a.side})
    voices = f"official: {', '.join(official)}" if official else "no official readout yet"
    return (
        f"{event.date:%Y-%m-%d}  {event.kind:<8} {people or '(participants unnamed)'}  "
        f"[{len(event.articles)} articles; {voices}]  {event.id}"
    )
