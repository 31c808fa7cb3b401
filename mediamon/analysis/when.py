"""Resolves when a contact happened from the words a report uses ("on Sunday", "вчера").

Relative expressions are read against the publication day of the timestamp given (the
store keeps UTC, so a report published just after midnight in Moscow counts from the day
before; the one-day window of `events` absorbs that).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_WEEKDAYS = {
    # Monday = 0, as datetime.weekday() counts
    0: ["monday", "понедельник", "יום שני", "ביום שני"],
    1: ["tuesday", "вторник", "יום שלישי", "ביום שלישי"],
    2: ["wednesday", "сред", "יום רביעי", "ביום רביעי"],
    3: ["thursday", "четверг", "יום חמישי", "ביום חמישי"],
    4: ["friday", "пятниц", "יום שישי", "ביום שישי"],
    5: ["saturday", "суббот", "שבת", "במוצאי שבת"],
    6: ["sunday", "воскресень", "יום ראשון", "ביום ראשון"],
}
_MONTHS = {
    1: ["january", "jan", "январ", "ינואר"],
    2: ["february", "feb", "феврал", "פברואר"],
    3: ["march", "mar", "март", "מרץ", "מרס"],
    4: ["april", "apr", "апрел", "אפריל"],
    5: ["may", "ма[йя]", "מאי"],
    6: ["june", "jun", "июн", "יוני"],
    7: ["july", "jul", "июл", "יולי"],
    8: ["august", "aug", "август", "אוגוסט"],
    9: ["september", "sept?", "сентябр", "ספטמבר"],
    10: ["october", "oct", "октябр", "אוקטובר"],
    11: ["november", "nov", "ноябр", "נובמבר"],
    12: ["december", "dec", "декабр", "דצמבר"],
}
_YESTERDAY = re.compile(r"(?<!\w)(yesterday|last night|вчера|накануне|אתמול|אמש)(?!\w)", re.I)
_TODAY = re.compile(
    r"(?<!\w)(today|tonight|this (?:morning|afternoon|evening)|earlier today|сегодня|"
    r"היום|הערב|הבוקר)(?!\w)",
    re.I,
)
_WEEKDAY = re.compile(
    "|".join(f"(?P<d{day}>(?<!\\w)(?:{'|'.join(words)})\\w*)" for day, words in _WEEKDAYS.items()),
    re.I,
)
_MONTH_NAMES = "|".join(f"(?P<m{m}>{'|'.join(words)})" for m, words in _MONTHS.items())
# "May 8", "May 8, 2020", "8 May 2020", "8 мая 2020 года", "10 בדצמבר"
_DAY_MONTH = re.compile(
    rf"(?<!\w)(?:(?P<day1>\d{{1,2}})\s+(?:ב)?(?:{_MONTH_NAMES})\w*\.?(?:,?\s+(?P<year1>(?:19|20)\d\d))?"
    rf"|(?:{_MONTH_NAMES.replace('(?P<m', '(?P<n')})\w*\.?\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:,?\s+(?P<year2>(?:19|20)\d\d))?)(?!\w)",
    re.I,
)
_YEAR = re.compile(r"(?<![\w-])(?:in |в |ב-?)?((?:19|20)\d\d)(?:\s*год\w*)?(?![\w-])", re.I)


def local_day(published: datetime) -> date:
    return published.date()


# A date after these words is a point of reference, not when the contact happened:
# "the first call since October 7", «после 7 октября».
_REFERENCE = re.compile(
    r"(?:since|after|before|following|ahead of|until|since the|с|после|до|перед|מאז|אחרי|לפני)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def contact_date(sentence: str, published: datetime, anchor: int = 0) -> tuple[date, bool]:
    """The day the sentence's contact happened, and whether the text said so explicitly
    (False: assumed to be the publication day). Of several dates, the one nearest to
    `anchor` (where the contact cue is) wins."""
    day = local_day(published)
    found: list[tuple[int, date]] = []
    for match in _DAY_MONTH.finditer(sentence):
        explicit = _explicit(match, day)
        if explicit is not None and not _REFERENCE.search(sentence[: match.start()]):
            found.append((match.start(), explicit))
    for match in _YESTERDAY.finditer(sentence):
        found.append((match.start(), day - timedelta(days=1)))
    for match in _WEEKDAY.finditer(sentence):
        weekday = next(int(name[1:]) for name, value in match.groupdict().items() if value)
        found.append((match.start(), day - timedelta(days=(day.weekday() - weekday) % 7)))
    for match in _TODAY.finditer(sentence):
        found.append((match.start(), day))
    for match in _YEAR.finditer(sentence):
        year = int(match.group(1))
        if year < day.year and not _REFERENCE.search(sentence[: match.start()]):
            found.append((match.start(), date(year, 6, 30)))  # "in 2018 the two leaders met"
    if not found:
        return day, False
    return min(found, key=lambda item: abs(item[0] - anchor))[1], True


def _explicit(match: re.Match[str], published: date) -> date | None:
    groups = match.groupdict()
    month = next(
        (
            int(name[1:])
            for name, value in groups.items()
            if value and name[0] in "mn" and name[1:].isdigit()
        ),
        None,
    )
    day_text = groups.get("day1") or groups.get("day2")
    year_text = groups.get("year1") or groups.get("year2")
    if month is None or day_text is None:
        return None
    year = int(year_text) if year_text else published.year
    try:
        found = date(year, month, int(day_text))
    except ValueError:
        return None
    if not year_text and found > published + timedelta(days=1):
        found = found.replace(year=year - 1)  # "on December 30" read in January
    return found
