"""Reads the dates feeds, sitemaps and APIs write: RFC 822, ISO 8601, epoch numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MS_JSON = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
_DAY_FIRST = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


def parse_date(value: object) -> datetime | None:
    """An aware UTC datetime, or None when the value is not a date we can read."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value  # milliseconds since the epoch
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text:
        return None
    if match := _MS_JSON.fullmatch(text):
        return parse_date(int(match.group(1)))
    if text.isdigit():
        return parse_date(int(text))
    if match := _DAY_FIRST.fullmatch(text):  # 10.12.2023, as gov.il writes dates
        day, month, year = (int(part) for part in match.groups())
        try:
            return datetime(year, month, day, tzinfo=UTC)
        except ValueError:
            return None
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)  # +0300 -> +03:00
    try:
        return _aware(datetime.fromisoformat(iso))
    except (ValueError, OverflowError):  # OverflowError: year 9999 moved past UTC
        pass
    try:
        return _aware(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
