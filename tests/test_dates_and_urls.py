"""Dates as feeds and APIs write them, and the canonical URL that keys every article."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.dates import parse_date
from mediamon.urls import canonical_url


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- parse_date --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sun, 10 Dec 2023 14:30:00 +0300", utc(2023, 12, 10, 11, 30)),
        ("Sun, 10 Dec 2023 14:30:00 -0500", utc(2023, 12, 10, 19, 30)),
        ("Sun, 10 Dec 2023 14:30:00 GMT", utc(2023, 12, 10, 14, 30)),
        ("Sun, 10 Dec 2023 14:30:00 UT", utc(2023, 12, 10, 14, 30)),
        ("Sun, 10 Dec 2023 14:30:00 EST", utc(2023, 12, 10, 19, 30)),
        ("Sun, 10 Dec 2023 14:30:00 PDT", utc(2023, 12, 10, 21, 30)),
        ("10 Dec 2023 14:30 +0000", utc(2023, 12, 10, 14, 30)),  # no weekday, no seconds
        ("Sun, 10 Dec 2023 14:30:00 -0000", utc(2023, 12, 10, 14, 30)),  # "zone unknown"
        ("  Sun, 10 Dec 2023 14:30:00 +0300\n", utc(2023, 12, 10, 11, 30)),
    ],
)
def test_rfc822(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-12-10T14:30:00Z", utc(2023, 12, 10, 14, 30)),
        ("2023-12-10T14:30:00z", utc(2023, 12, 10, 14, 30)),
        ("2023-12-10T14:30:00.250Z", datetime(2023, 12, 10, 14, 30, 0, 250000, tzinfo=UTC)),
        ("2023-12-10T14:30:00+03:00", utc(2023, 12, 10, 11, 30)),
        ("2023-12-10T14:30:00+0300", utc(2023, 12, 10, 11, 30)),
        ("2023-12-10T14:30:00-0430", utc(2023, 12, 10, 19, 0)),
        ("2023-12-10T02:30:00+05:30", utc(2023, 12, 9, 21, 0)),  # crosses midnight
        ("2023-12-10T14:30:00", utc(2023, 12, 10, 14, 30)),  # naive is read as UTC
        ("2023-12-10 14:30:00", utc(2023, 12, 10, 14, 30)),
        ("2023-12-10", utc(2023, 12, 10)),
    ],
)
def test_iso8601(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1700000000, utc(2023, 11, 14, 22, 13, 20)),
        (1700000000.5, datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)),
        (1700000000000, utc(2023, 11, 14, 22, 13, 20)),  # milliseconds
        ("1700000000", utc(2023, 11, 14, 22, 13, 20)),
        ("1700000000000", utc(2023, 11, 14, 22, 13, 20)),
        ("/Date(1700000000000)/", utc(2023, 11, 14, 22, 13, 20)),
        ("/Date(1700000000000+0300)/", utc(2023, 11, 14, 22, 13, 20)),  # the number is UTC
        (0, utc(1970, 1, 1)),
    ],
)
def test_epoch_numbers(value: object, expected: datetime) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.12.2023", utc(2023, 12, 10)),  # 10 December, not October 12
        ("1.2.2024", utc(2024, 2, 1)),
        ("25/12/2023", utc(2023, 12, 25)),
    ],
)
def test_day_first(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "garbage",
        "yesterday",
        "31.02.2023",  # no such day
        "2023-13-45",
        "Sun, 45 Foo 2023 99:00:00 +0300",
        True,
        False,
        [],
        {},
        10**30,
        float("nan"),
        float("inf"),
        "/Date(99999999999999999999)/",
        # a typo'd year that only overflows when moved to UTC
        "Fri, 31 Dec 9999 23:00:00 -0500",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:30:00+01:00",
    ],
)
def test_unreadable_is_none(value: object) -> None:
    assert parse_date(value) is None


def test_results_are_aware_utc() -> None:
    for value in ("Sun, 10 Dec 2023 14:30:00 +0300", "2023-12-10T14:30:00+0300", "2023-12-10"):
        parsed = parse_date(value)
        assert parsed is not None
        assert parsed.utcoffset() == timedelta(0)


def test_datetime_passes_through_as_utc() -> None:
    moscow = timezone(timedelta(hours=3))
    assert parse_date(datetime(2023, 12, 10, 14, 30, tzinfo=moscow)) == utc(2023, 12, 10, 11, 30)
    assert parse_date(datetime(2023, 12, 10, 14, 30)) == utc(2023, 12, 10, 14, 30)


# -- canonical_url -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # campaign and click identifiers say how the reader came, not which article
        (
            "http://example.test/news/1?utm_source=tg&utm_medium=social&utm_campaign=x&utm_content=y",
            "http://example.test/news/1",
        ),
        ("http://example.test/news/1?fbclid=IwAR0abc", "http://example.test/news/1"),
        ("http://example.test/news/1?gclid=Cj0K&yclid=123", "http://example.test/news/1"),
        ("http://example.test/news/1?UTM_Source=x", "http://example.test/news/1"),
        # other parameters are kept, and sorted
        ("http://example.test/news?page=2&id=7&fbclid=z", "http://example.test/news?id=7&page=2"),
        ("http://example.test/news?id=7&page=2", "http://example.test/news?id=7&page=2"),
        ("http://example.test/read?utm_id=1&article=55", "http://example.test/read?article=55"),
        # the fragment never names a different article
        ("http://example.test/news/1#comments", "http://example.test/news/1"),
        # case of scheme and host, default ports, empty path
        ("HTTP://Example.TEST/News/1", "http://example.test/News/1"),
        ("http://example.test:80/news/1", "http://example.test/news/1"),
        ("https://example.test:443/news/1", "https://example.test/news/1"),
        ("https://example.test:80/news/1", "https://example.test:80/news/1"),
        ("http://example.test:8080/news/1", "http://example.test:8080/news/1"),
        ("http://example.test", "http://example.test/"),
        ("http://example.test./news/1", "http://example.test/news/1"),
        ("  http://example.test/news/1  ", "http://example.test/news/1"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "variants",
    [
        [
            "http://example.test/~keeper/notes",
            "http://example.test/%7Ekeeper/notes",
            "http://example.test/%7ekeeper/notes",
        ],
        ["http://example.test/a-b_c.d", "http://example.test/%61%2D%62%5F%63%2E%64"],
        [
            "http://example.test/новости/визит",
            "http://example.test/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/%D0%B2%D0%B8%D0%B7%D0%B8%D1%82",
            "http://example.test/%d0%bd%d0%be%d0%b2%d0%be%d1%81%d1%82%d0%b8/%d0%b2%d0%b8%d0%b7%d0%b8%d1%82",
            "http://example.test/новости/%D0%B2%D0%B8%D0%B7%D0%B8%D1%82",
        ],
        ["http://example.test/two words", "http://example.test/two%20words"],
        ["http://example.test/s?q=маяк", "http://example.test/s?q=%D0%BC%D0%B0%D1%8F%D0%BA"],
        ["http://example.test/s?q=~x", "http://example.test/s?q=%7Ex"],
        ["http://example.test/a(b):c", "http://example.test/a%28b%29%3ac"],
    ],
)
def test_same_article_same_url(variants: list[str]) -> None:
    results = {canonical_url(url) for url in variants}
    assert len(results) == 1, results
    (result,) = results
    assert result.isascii()
    assert " " not in result


def test_cyrillic_path_is_percent_encoded_in_upper_case() -> None:
    assert canonical_url("http://example.test/новости") == (
        "http://example.test/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("http://example.test/news/1", "http://example.test/news/2"),
        ("http://example.test/news?id=1", "http://example.test/news?id=2"),
        ("http://example.test/news", "https://example.test/news"),
        ("http://example.test/news", "http://example.test:8080/news"),
        ("http://example.test/News", "http://example.test/news"),  # paths are case-sensitive
        # an encoded slash or percent sign is part of a name, not a separator
        ("http://example.test/files/a%2Fb", "http://example.test/files/a/b"),
        ("http://example.test/files/100%25", "http://example.test/files/100%"),
        ("http://example.test/q/a%3Fb", "http://example.test/q/a?b"),
        ("http://example.test/q/a%23b", "http://example.test/q/a#b"),
    ],
)
def test_different_articles_stay_different(first: str, second: str) -> None:
    assert canonical_url(first) != canonical_url(second)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.test/files/a%2Fb",
        "http://example.test/files/100%25",
        "http://example.test/files/50%2541",
        "http://example.test/q/a%3Fb?x=%26&y=a+b",
        "http://example.test/новости/визит?утм=1",
        "http://example.test/%7Ekeeper/?b=2&a=1&a=0",
        "http://[2001:db8::1]:8080/news/1",
        "http://example.test/news/%cf%f0%e8",
        "http://example.test/a%28b%29%3A%40",
    ],
)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


def test_encoded_percent_survives() -> None:
    assert canonical_url("http://example.test/files/100%25") == "http://example.test/files/100%25"
    assert canonical_url("http://example.test/files/a%2fb") == "http://example.test/files/a%2Fb"


def test_path_in_a_legacy_encoding_is_kept() -> None:
    # Windows-1251 escapes are not UTF-8; decoding them would turn both into "%EF%BF%BD..."
    first = canonical_url("http://example.test/news/%CF%F0%E8%E5%EC")
    second = canonical_url("http://example.test/news/%C2%E8%E7%E8%F2")

    assert first == "http://example.test/news/%CF%F0%E8%E5%EC"
    assert first != second


def test_ipv6_host_keeps_its_brackets() -> None:
    assert canonical_url("http://[2001:DB8::1]:80/news/1") == "http://[2001:db8::1]/news/1"
    assert canonical_url("https://[2001:db8::1]:8443/x") == "https://[2001:db8::1]:8443/x"


def test_repeated_and_blank_parameters_are_kept() -> None:
    assert canonical_url("http://example.test/s?tag=b&tag=a&empty=") == (
        "http://example.test/s?empty=&tag=a&tag=b"
    )


def test_username_is_kept_and_password_dropped() -> None:
    assert (
        canonical_url("http://reader:hunter2@example.test/news")
        == "http://reader@example.test/news"
    )
