"""What a subscriber chose: how to be alerted and when digests come. Plain data, shared by
the store, the bot and the scheduler."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

DigestFrequency = Literal["daily", "weekly", "off"]
DIGEST_CHOICES: tuple[DigestFrequency, ...] = ("daily", "weekly", "off")
QUIET_CHOICES: tuple[tuple[int, int] | None, ...] = (None, (22, 7), (23, 8), (0, 6))
TIMEZONE_CHOICES = (
    "UTC",
    "Asia/Jerusalem",
    "Europe/Moscow",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
)


@dataclass(frozen=True)
class Settings:
    instant: bool = True  # an alert as soon as the two sides diverge
    digest: DigestFrequency = "daily"
    digest_hour: int = 8  # local hour, in `timezone`
    timezone: str = "UTC"
    include_agreeing: bool = False  # digests also list contacts where the sides agree
    quiet: tuple[int, int] | None = None  # no instant alerts between these local hours

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["quiet"] = list(self.quiet) if self.quiet else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Settings:
        data = dict(data or {})
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        if known.get("quiet"):
            known["quiet"] = tuple(known["quiet"])
        return replace(cls(), **known)


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    chat_type: str  # private, group, supergroup, channel
    title: str | None
    thread_id: int | None
    active: bool
    paused: str | None  # why delivery is paused: blocked, removed …
    settings: Settings

    @property
    def receiving(self) -> bool:
        return self.active and self.paused is None
