"""Events as `mediamon events` shows them: the JSON of INTERFACE.md and short text lines."""

from __future__ import annotations

from typing import Any

from mediamon.config import Config
from mediamon.store import EventDetails


def event_json(event: EventDetails, config: Config) -> dict[str, Any]:
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
            "topics": [],
        }
    people = [name for side in config.sides for name in event.participants.get(side, [])]
    return {
        "id": event.id,
        "date": event.date.isoformat(),
        "kind": event.kind,
        "participants": people,
        "sides": sides,
        "divergence": divergence_placeholder(event, config),
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


def divergence_placeholder(event: EventDetails, config: Config) -> dict[str, Any]:
    """The verdict until the accounts are compared: who has spoken, nothing more."""
    official = {a.side for a in event.articles if a.official and a.side}
    spoken = official | {s.side for a in event.articles for s in a.statements}
    silent = [config.sides[side].label for side in config.sides if side not in spoken]
    if silent:
        talking = [config.sides[side].label for side in config.sides if side in spoken]
        summary = (
            f"Only {' and '.join(talking)} has given an account so far; "
            f"{' and '.join(silent)} has not published one yet."
            if talking
            else "Neither side has given an account yet; only press reports so far."
        )
    else:
        summary = "Both sides have given accounts; comparing them is not done yet."
    return {
        "diverging": False,
        "score": 0.0,
        "only": {side: [] for side in config.sides},
        "shared": [],
        "summary": summary,
    }


def event_line(event: EventDetails, config: Config) -> str:
    people = ", ".join(name for side in config.sides for name in event.participants.get(side, []))
    official = sorted({config.sides[a.side].label for a in event.articles if a.official and a.side})
    voices = f"official: {', '.join(official)}" if official else "no official readout yet"
    return (
        f"{event.date:%Y-%m-%d}  {event.kind:<8} {people or '(participants unnamed)'}  "
        f"[{len(event.articles)} articles; {voices}]  {event.id}"
    )
