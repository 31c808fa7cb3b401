"""End to end: `mediamon crawl` over real HTTP against a fixture web on loopback.

Each crawl runs the real command in a subprocess (Scrapy's reactor runs once per process),
stores into a real SQLite file, and is read back through `mediamon articles --json` and
`mediamon sources --json`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.pages import (
    Story,
    article_page,
    atom,
    listing_page,
    news_sitemap,
    rss,
    sitemap_index,
)
from tests.fakes.web import FixtureWeb
from tests.postgres import empty_database

ROOT = Path(__file__).resolve().parents[1]
USER_AGENT = "mediamon-test/1.0 (+https://example.test/bot)"
RECENT = datetime.now(UTC) - timedelta(hours=3)

CALL = Story(
    "/kremlin/events/101",
    "Telephone conversation with the Prime Minister of Israel",
    [
        "The President of Russia held a telephone conversation with the Prime Minister of Israel "
        "at the initiative of the Israeli side.",
        "The leaders discussed the situation in the Gaza Strip in detail, with the emphasis on "
        "the dire humanitarian conditions of the civilian population there.",
        "It was agreed to keep up contacts at various levels.",
    ],
    RECENT,
)
PMO = Story(
    "/pmo/news/pm-spoke-with-russian-president",
    "The Prime Minister spoke with the President of Russia",
    [
        "The Prime Minister this evening spoke with the President of Russia about the war and its "
        "consequences for the region.",
        "The Prime Minister voiced strong objections to the positions Russia has taken in the "
        "Security Council and to its growing military ties with Tehran.",
        "He thanked the President for his help in releasing a hostage who holds both citizenships.",
    ],
    RECENT,
)
WIRE = Story(
    "/wire/2024/03/leaders-hold-call",
    "Leaders of Israel and Russia hold rare phone call",
    [
        "The two leaders spoke by phone on Sunday in their first conversation for several weeks, "
        "according to statements released by both governments afterwards.",
        "The readouts put the weight on very different subjects, a sign of how strained relations "
        "have become since the autumn.",
    ],
    RECENT,
)
ANALYSIS = Story(
    "/analysis/why-the-call-matters",
    "Why the latest call between the two leaders matters",
    [
        "Calls between the two leaders used to be routine, timed to anniversaries and commemorations "
        "that both capitals care about.",
        "This one came after a long silence, and each government chose to tell its own public a "
        "different story about it.",
    ],
    RECENT,
)
MINISTRY = Story(
    "/press/2041",
    "Deputy Minister met the Ambassador of Israel",
    [
        "The Deputy Foreign Minister received the Ambassador of Israel at the ministry for a "
        "conversation about the situation in the Middle East.",
        "The sides exchanged views on the prospects of a settlement and on the safety of citizens.",
    ],
    RECENT,
)


@dataclass
class Mediamon:
    """Runs the real command line against a config in a temporary folder."""

    folder: Path
    web: FixtureWeb
    database_url: str | None = None  # MEDIAMON_DATABASE_URL for every command

    def configure(self, sources: list[dict[str, Any]], **crawl: Any) -> None:
        config = {
            "storage": {"url": "sqlite:///data/mediamon.db"},
            "crawl": {
                "user_agent": USER_AGENT,
                "timeout_seconds": 2,
                "retries": 2,
                "retry_backoff_seconds": 0.1,
                "max_page_bytes": 2_000_000,
                "max_age_days": 30,
                **crawl,
            },
            "sides": {
                "israel": {"label": "Israel", "actors": [{"name": "Benjamin Netanyahu"}]},
                "russia": {"label": "Russia", "actors": [{"name": "Vladimir Putin"}]},
            },
            "sources": sources,
        }
        (self.folder / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMON_")}
        if self.database_url:
            env["MEDIAMON_DATABASE_URL"] = self.database_url
        return subprocess.run(
            [sys.executable, "-m", "mediamon", "--config", str(self.folder / "config.yaml"), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )

    def crawl(self) -> subprocess.CompletedProcess[str]:
        result = self.run("crawl")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def articles(self) -> dict[str, dict[str, Any]]:
        result = self.run("articles", "--json")
        assert result.returncode == 0, result.stderr
        return {a["url"]: a for a in json.loads(result.stdout)}

    def health(self) -> dict[str, dict[str, Any]]:
        result = self.run("sources", "--json")
        assert result.returncode == 0, result.stderr
        return {s["name"]: s for s in json.loads(result.stdout)}


@pytest.fixture
def mediamon(tmp_path: Path, web: FixtureWeb) -> Mediamon:
    return Mediamon(tmp_path, web)


def publish(web: FixtureWeb, *stories: Story, **options: Any) -> None:
    for story in stories:
        web.page(story.path, article_page(story, **options))


def every_kind_of_source(web: FixtureWeb) -> list[dict[str, Any]]:
    publish(web, CALL, WIRE, ANALYSIS, MINISTRY)
    web.page(
        "/kremlin/feed",
        rss([(web.url(CALL.path), CALL.title, CALL.published)]),
        content_type="application/rss+xml",
    )
    web.page(
        "/analysis/atom.xml",
        atom([(web.url(ANALYSIS.path), ANALYSIS.title, ANALYSIS.published)]),
        content_type="application/atom+xml",
    )
    web.page(
        "/wire/sitemap-index.xml",
        sitemap_index([(web.url("/wire/news.xml"), RECENT)]),
        content_type="application/xml",
    )
    web.page(
        "/wire/news.xml",
        news_sitemap([(web.url(WIRE.path), WIRE.title, WIRE.published)]),
        content_type="application/xml",
    )
    web.page("/press/", listing_page([(MINISTRY.path, MINISTRY.title), ("/about", "About us")]))
    pmo_body = "".join(f"<p>{p}</p>" for p in PMO.paragraphs)
    web.page(
        "/api/news",
        json.dumps(
            {
                "results": [
                    {
                        "UrlName": "pm-spoke-with-russian-president",
                        "Title": PMO.title,
                        "Date": PMO.published.strftime("%d.%m.%Y"),
                        "Content": f"<html><body><article><h1>{PMO.title}</h1>{pmo_body}</article></body></html>",
                    }
                ]
            }
        ),
        content_type="application/json",
    )
    return [
        {"name": "Kremlin", "feed": web.url("/kremlin/feed"), "side": "russia", "official": True},
        {"name": "Analysis", "feed": web.url("/analysis/atom.xml")},
        {"name": "Wire", "sitemap": web.url("/wire/sitemap-index.xml")},
        {
            "name": "Ministry",
            "listing": web.url("/press/"),
            "follow": r"/press/\d+$",
            "side": "russia",
            "official": True,
        },
        {
            "name": "Office",
            "json": web.url("/api/news"),
            "side": "israel",
            "official": True,
            "fields": {
                "items": "results",
                "url": web.url("/pmo/news/{UrlName}"),
                "title": "Title",
                "date": "Date",
                "body": "Content",
            },
        },
    ]


def test_every_kind_of_source_becomes_clean_stored_articles(
    mediamon: Mediamon, web: FixtureWeb
) -> None:
    mediamon.configure(every_kind_of_source(web))
    result = mediamon.crawl()
    assert result.stdout.strip() == "crawl: 5 sources, 5 new articles"

    stored = mediamon.articles()
    assert set(stored) == {web.url(s.path) for s in (CALL, ANALYSIS, WIRE, MINISTRY, PMO)}
    kremlin = stored[web.url(CALL.path)]
    assert kremlin["title"] == CALL.title
    assert kremlin["official"] is True and kremlin["side"] == "russia"
    assert CALL.paragraphs[1] in kremlin["text"]
    assert datetime.fromisoformat(kremlin["published"]) == CALL.published.replace(microsecond=0)
    assert stored[web.url(PMO.path)]["side"] == "israel"
    assert PMO.paragraphs[1] in stored[web.url(PMO.path)]["text"]
    assert stored[web.url(WIRE.path)]["side"] is None
    for article in stored.values():
        for chrome in (
            "Subscribe",
            "per year",
            "Related Articles",
            "Back to top",
            "Skip to main content",
            "cookies",
            "Share this article",
            "All rights reserved",
        ):
            assert chrome not in article["text"], (article["url"], chrome)
    # the listing's non-article link and the related-article links were not followed
    assert web.hits("/about") == 0 and web.hits("/world/other-1") == 0
    assert all(r.headers.get("user-agent") == USER_AGENT for r in web.requests)


def test_a_second_run_costs_one_304_per_index_and_downloads_no_article(
    mediamon: Mediamon, web: FixtureWeb
) -> None:
    mediamon.configure(every_kind_of_source(web))
    mediamon.crawl()
    web.reset_log()
    result = mediamon.crawl()
    assert result.stdout.strip() == "crawl: 5 sources, 0 new articles"
    fetched = {r.path for r in web.requests if r.path != "/robots.txt"}
    assert fetched == {
        "/kremlin/feed",
        "/analysis/atom.xml",
        "/wire/sitemap-index.xml",
        "/wire/news.xml",
        "/press/",
        "/api/news",
    }
    assert {r.status for r in web.requests if r.path != "/robots.txt"} == {304}
    assert sum(r.bytes_sent for r in web.requests) < 2000


def test_a_new_feed_item_is_the_only_download(mediamon: Mediamon, web: FixtureWeb) -> None:
    publish(web, CALL, WIRE)
    feed = [(web.url(CALL.path), CALL.title, CALL.published)]
    web.page("/feed", rss(feed))
    mediamon.configure([{"name": "Feed", "feed": web.url("/feed")}])
    mediamon.crawl()
    web.reset_log()
    web.page("/feed", rss([(web.url(WIRE.path), WIRE.title, WIRE.published), *feed]))
    assert mediamon.crawl().stdout.strip() == "crawl: 1 source, 1 new article"
    assert web.hits(WIRE.path) == 1 and web.hits(CALL.path) == 0


def test_tracking_parameters_do_not_make_a_second_article(
    mediamon: Mediamon, web: FixtureWeb
) -> None:
    publish(web, WIRE)
    plain = web.url(WIRE.path)
    web.page(
        "/feed",
        rss(
            [
                (plain + "?utm_source=rss&utm_medium=feed", WIRE.title, WIRE.published),
                (plain + "#comments", WIRE.title, WIRE.published),
            ]
        ),
    )
    mediamon.configure([{"name": "Feed", "feed": web.url("/feed")}])
    mediamon.crawl()
    assert list(mediamon.articles()) == [plain]
    assert web.hits(WIRE.path, ignore_query=True) == 1


def test_items_older_than_max_age_are_not_fetched(mediamon: Mediamon, web: FixtureWeb) -> None:
    old = Story(
        "/old",
        "An old story",
        ["Nothing here matters any longer for the monitor."],
        datetime.now(UTC) - timedelta(days=40),
    )
    publish(web, old, WIRE)
    web.page(
        "/feed",
        rss(
            [
                (web.url(old.path), old.title, old.published),
                (web.url(WIRE.path), WIRE.title, WIRE.published),
            ]
        ),
    )
    mediamon.configure([{"name": "Feed", "feed": web.url("/feed")}], max_age_days=7)
    mediamon.crawl()
    assert web.hits("/old") == 0
    assert list(mediamon.articles()) == [web.url(WIRE.path)]


def test_robots_txt_is_obeyed(mediamon: Mediamon, web: FixtureWeb) -> None:
    secret = Story(
        "/private/memo", "Internal memo", ["This page asks crawlers to stay away from it."]
    )
    publish(web, secret, WIRE)
    web.robots("User-agent: *\nDisallow: /private/\n")
    web.page(
        "/feed",
        rss(
            [(web.url(secret.path), secret.title, RECENT), (web.url(WIRE.path), WIRE.title, RECENT)]
        ),
    )
    mediamon.configure([{"name": "Feed", "feed": web.url("/feed")}])
    result = mediamon.crawl()
    assert web.hits("/private/memo") == 0
    assert list(mediamon.articles()) == [web.url(WIRE.path)]
    assert "[Feed]" in result.stderr and "robots.txt" in result.stderr


def test_each_fault_is_reported_with_its_source_and_the_rest_goes_on(
    mediamon: Mediamon, web: FixtureWeb
) -> None:
    publish(web, CALL, WIRE)
    cyrillic = Story(
        "/ru/events/7",
        "Телефонный разговор с Премьер-министром Израиля",
        [
            "Состоялся телефонный разговор Президента России с Премьер-министром Израиля.",
            "Обсуждалась ситуация в зоне конфликта и гуманитарные вопросы.",
        ],
        RECENT,
    )
    web.page(
        cyrillic.path,
        article_page(cyrillic, lang="ru", charset="windows-1251").encode("cp1251"),
        content_type="text/html",
    )
    web.page(
        "/docs/statement.pdf", b"%PDF-1.4 not really a document", content_type="application/pdf"
    )
    web.fault("/huge-article", "huge", bytes=12_000_000)
    web.fault("/broken/feed", "status", status=500)
    web.fault("/slow/feed", "slow", seconds=10)
    web.fault("/loop/feed", "redirect_loop")
    web.page(
        "/malformed/feed", "<rss><channel><item><title>Unclosed", content_type="application/rss+xml"
    )
    web.page(
        "/good/feed",
        rss(
            [
                (web.url(CALL.path), CALL.title, RECENT),
                (web.url(cyrillic.path), cyrillic.title, RECENT),
                (web.url("/docs/statement.pdf"), "Statement (PDF)", RECENT),
                (web.url("/huge-article"), "A very long page", RECENT),
            ]
        ),
    )
    web.page("/other/feed", rss([(web.url(WIRE.path), WIRE.title, RECENT)]))
    mediamon.configure(
        [
            {"name": "Broken", "feed": web.url("/broken/feed")},
            {"name": "Slow", "feed": web.url("/slow/feed")},
            {"name": "Looping", "feed": web.url("/loop/feed")},
            {"name": "Malformed", "feed": web.url("/malformed/feed")},
            {"name": "Good", "feed": web.url("/good/feed")},
            {"name": "Other", "feed": web.url("/other/feed")},
        ],
        timeout_seconds=1,
        retries=1,
    )

    started = time.monotonic()
    result = mediamon.crawl()
    assert time.monotonic() - started < 60
    errors = result.stderr
    assert (
        "[Broken] failed:" in errors
        and "HTTP 500 Internal Server Error (gave up after 2 attempts)" in errors
    )
    assert "[Slow] failed:" in errors and "timed out" in errors
    assert "[Looping] failed:" in errors and "redirect loop" in errors
    assert "[Malformed] failed:" in errors and "not well-formed XML" in errors
    assert (
        "[Good] error:" in errors and "statement.pdf: not an HTML page (application/pdf)" in errors
    )
    assert "huge-article: page too large" in errors
    assert web.statuses("/broken/feed") == [500, 500]  # retried once, then given up

    stored = mediamon.articles()
    assert set(stored) == {web.url(CALL.path), web.url(cyrillic.path), web.url(WIRE.path)}
    russian = stored[web.url(cyrillic.path)]
    assert "Состоялся телефонный разговор Президента России" in russian["text"]
    assert russian["title"] == cyrillic.title and russian["language"] == "ru"

    health = mediamon.health()
    for name in ("Broken", "Slow", "Looping"):
        assert health[name]["consecutive_failures"] == 1 and health[name]["state"] == "failing"
        assert health[name]["last_success"] is None
    assert health["Good"]["consecutive_failures"] == 0 and health["Good"]["last_success"]
    assert (
        "page too large" in health["Good"]["last_error"]
        or "not an HTML page" in health["Good"]["last_error"]
    )
    assert health["Other"]["last_error"] is None

    # permanent failures are remembered: the PDF and the huge page are not fetched again
    web.reset_log()
    mediamon.crawl()
    assert web.hits("/docs/statement.pdf") == 0 and web.hits("/huge-article") == 0
    assert mediamon.health()["Broken"]["consecutive_failures"] == 2


def test_sources_command_shows_health_in_words(mediamon: Mediamon, web: FixtureWeb) -> None:
    web.fault("/down", "status", status=503)
    publish(web, WIRE)
    web.page("/feed", rss([(web.url(WIRE.path), WIRE.title, RECENT)]))
    mediamon.configure(
        [{"name": "Down", "feed": web.url("/down")}, {"name": "Up", "feed": web.url("/feed")}],
        retries=0,
    )
    mediamon.crawl()
    listing = mediamon.run("sources").stdout
    assert "failing  Down" in listing and "consecutive failures: 1" in listing
    assert "HTTP 503 Service Unavailable" in listing
    assert "ok       Up" in listing and "last success: never" not in listing.split("Up")[1]


def test_a_flaky_index_is_retried_with_backoff(mediamon: Mediamon, web: FixtureWeb) -> None:
    publish(web, WIRE)
    web.fault("/feed", "flaky", failures=2, body=rss([(web.url(WIRE.path), WIRE.title, RECENT)]))
    mediamon.configure(
        [{"name": "Flaky", "feed": web.url("/feed")}], retries=2, retry_backoff_seconds=0.3
    )
    mediamon.crawl()
    assert web.statuses("/feed") == [503, 503, 200]
    times = [r.time for r in web.requests if r.path == "/feed"]
    assert times[1] - times[0] >= 0.25 and times[2] - times[1] >= 0.55  # 0.3 s, then 0.6 s
    assert list(mediamon.articles()) == [web.url(WIRE.path)]
    assert mediamon.health()["Flaky"]["consecutive_failures"] == 0


def test_official_texts_are_rechecked_and_edits_kept_as_versions(
    mediamon: Mediamon, web: FixtureWeb
) -> None:
    publish(web, CALL, WIRE)
    web.page("/kremlin/feed", rss([(web.url(CALL.path), CALL.title, RECENT)]))
    web.page("/wire/feed", rss([(web.url(WIRE.path), WIRE.title, RECENT)]))
    mediamon.configure(
        [
            {
                "name": "Kremlin",
                "feed": web.url("/kremlin/feed"),
                "side": "russia",
                "official": True,
            },
            {"name": "Wire", "feed": web.url("/wire/feed")},
        ],
        recheck_official_after_hours=[0.0008, 0.0025],
    )  # about 3 and 9 seconds
    mediamon.crawl()
    time.sleep(3)
    web.reset_log()
    mediamon.crawl()  # first re-check: the readout is unchanged, a 304 answers it
    assert web.statuses(CALL.path) == [304] and web.hits(WIRE.path) == 0

    edited = Story(
        CALL.path, CALL.title, [*CALL.paragraphs, "The conversation was frank and businesslike."]
    )
    publish(web, edited)
    time.sleep(6.5)
    web.reset_log()
    result = mediamon.crawl()  # second re-check finds the edit
    assert result.stdout.strip() == "crawl: 2 sources, 0 new articles, 1 updated"
    article = mediamon.articles()[web.url(CALL.path)]
    assert article["versions"] == 2 and "frank and businesslike" in article["text"]
    web.reset_log()
    mediamon.crawl()  # both re-checks done: never fetched again
    assert web.hits(CALL.path) == 0


def test_at_most_two_requests_at_a_time_per_host(mediamon: Mediamon, web: FixtureWeb) -> None:
    stories = [
        Story(f"/s/{n}", f"Story number {n}", [f"Paragraph of story {n} " * 8]) for n in range(8)
    ]
    for story in stories:
        web.fault(story.path, "slow", seconds=0.3, body=article_page(story))
    web.page("/feed", rss([(web.url(s.path), s.title, RECENT) for s in stories]))
    mediamon.configure([{"name": "Feed", "feed": web.url("/feed")}], autothrottle=False)
    mediamon.crawl()
    assert len(mediamon.articles()) == 8
    assert max(web.max_concurrent.values()) == 2


def test_a_second_crawl_exits_at_once_while_one_runs(mediamon: Mediamon, web: FixtureWeb) -> None:
    web.fault("/slow/feed", "slow", seconds=4)
    mediamon.configure(
        [{"name": "Slow", "feed": web.url("/slow/feed")}], timeout_seconds=8, retries=0
    )
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mediamon",
            "--config",
            str(mediamon.folder / "config.yaml"),
            "crawl",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while web.hits("/slow/feed") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert web.hits("/slow/feed") == 1, "the first crawl never reached the server"
        listening = _listening_sockets(first.pid)
        started = time.monotonic()
        second = mediamon.run("crawl")
        assert time.monotonic() - started < 3
        assert second.returncode == 0  # not a failure: the running crawl does the work
        assert "another crawl is already running" in second.stderr
        assert listening == set(), (
            "the crawl must not open a listening socket (telnet, remote control)"
        )
    finally:
        first.wait(timeout=60)
    assert first.returncode == 0


def _listening_sockets(pid: int) -> set[str]:
    """Local addresses the process listens on, read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.add(fields[1])
    return found


def test_the_bundled_config_crawls_offline_and_reports_every_source(tmp_path: Path) -> None:
    """The real sources are unreachable here: each is reported by name, and the run still ends well."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["storage"] = {"url": f"sqlite:///{tmp_path / 'm.db'}"}
    config["crawl"] = {**config.get("crawl", {}), "timeout_seconds": 3, "retries": 0}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    result = subprocess.run(
        [sys.executable, "-m", "mediamon", "--config", str(tmp_path / "config.yaml"), "crawl"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    names = [source["name"] for source in config["sources"]]
    for name in names:
        assert f"[{name}] failed:" in result.stderr
    assert f"{len(names)} sources failed" in result.stdout


def test_an_api_that_serves_article_bodies_as_json(mediamon: Mediamon, web: FixtureWeb) -> None:
    """The shape of gov.il: a list API with site paths, and a content API per item."""
    sections = [{"sectionData": f"<p>{p}</p>"} for p in PMO.paragraphs]
    web.page(
        "/content-pages/pm-spoke-with-russian-president",
        json.dumps({"contentMain": {"title": PMO.title, "htmlContents": sections}}),
        content_type="application/json",
    )
    web.page(
        "/collector",
        json.dumps(
            {
                "total": 1,
                "results": [
                    {
                        "title": PMO.title,
                        "url": "/en/departments/news/pm-spoke-with-russian-president",
                        "tags": {
                            "metaData": {"Publish Date": [{"title": RECENT.strftime("%d.%m.%Y")}]}
                        },
                    }
                ],
            }
        ),
        content_type="application/json",
    )
    mediamon.configure(
        [
            {
                "name": "Office",
                "json": web.url("/collector"),
                "side": "israel",
                "official": True,
                "headers": {"x-client-id": "public-key", "Origin": "https://office.test"},
                "fields": {
                    "items": "results",
                    "url": web.base_url + "{url}",
                    "title": "title",
                    "date": "tags.metaData.Publish Date.0.title",
                    "body_url": web.url("/content-pages/{url|last}"),
                    "body_path": "contentMain.htmlContents.*.sectionData",
                },
            }
        ]
    )
    mediamon.crawl()
    [article] = mediamon.articles().values()
    assert article["url"] == web.url("/en/departments/news/pm-spoke-with-russian-president")
    assert article["title"] == PMO.title and article["side"] == "israel"
    assert all(paragraph in article["text"] for paragraph in PMO.paragraphs)
    assert article["published"].startswith(RECENT.strftime("%Y-%m-%d"))
    assert web.hits("/en/departments/news/pm-spoke-with-russian-president") == 0  # the empty shell
    assert all(
        r.headers.get("x-client-id") == "public-key"
        for r in web.requests
        if r.path != "/robots.txt"
    )


def test_the_same_crawl_on_postgresql(
    mediamon: Mediamon, web: FixtureWeb, postgres_url: str
) -> None:
    empty_database(postgres_url)
    mediamon.database_url = postgres_url
    mediamon.configure(every_kind_of_source(web))
    assert mediamon.crawl().stdout.strip() == "crawl: 5 sources, 5 new articles"
    assert not (mediamon.folder / "data").exists()  # nothing went to SQLite
    web.reset_log()
    assert mediamon.crawl().stdout.strip() == "crawl: 5 sources, 0 new articles"
    assert {r.status for r in web.requests if r.path != "/robots.txt"} == {304}
    stored = mediamon.articles()
    assert CALL.paragraphs[1] in stored[web.url(CALL.path)]["text"]
    assert mediamon.health()["Kremlin"]["last_success"] is not None


def test_crawl_only_the_named_source(mediamon: Mediamon, web: FixtureWeb) -> None:
    publish(web, CALL, WIRE)
    web.page("/a/feed", rss([(web.url(CALL.path), CALL.title, RECENT)]))
    web.page("/b/feed", rss([(web.url(WIRE.path), WIRE.title, RECENT)]))
    mediamon.configure(
        [
            {"name": "A", "feed": web.url("/a/feed")},
            {"name": "B", "feed": web.url("/b/feed"), "enabled": False},
        ]
    )
    assert mediamon.run("crawl", "--source", "B").stdout.strip() == "crawl: 1 source, 1 new article"
    assert web.hits("/a/feed") == 0 and list(mediamon.articles()) == [web.url(WIRE.path)]
    unknown = mediamon.run("crawl", "--source", "C")
    assert unknown.returncode == 2 and "no source named 'C'" in unknown.stderr


def test_a_sources_repeated_lines_are_learned_as_its_template(
    mediamon: Mediamon, web: FixtureWeb
) -> None:
    signature = "The Ledger Desk: independent reporting from the region since 1998, every day."
    stories = [
        Story(
            f"/ledger/{n}",
            f"Ledger report {n}",
            [
                f"Report number {n} describes a different meeting of regional officials in detail.",
                f"The officials in report {n} discussed water, roads and the budget for next year.",
                signature,
            ],
            RECENT - timedelta(minutes=n),
        )
        for n in range(7)
    ]
    publish(web, *stories[:6])
    web.page("/feed", rss([(web.url(s.path), s.title, s.published) for s in stories[:6]]))
    mediamon.configure(
        [{"name": "Ledger", "feed": web.url("/feed")}], concurrent_per_host=1, extract_workers=0
    )
    mediamon.crawl()
    stored = mediamon.articles()
    carrying = [url for url, a in stored.items() if signature in a["text"]]
    assert len(stored) == 6 and len(carrying) == 4  # learned after four pages, gone from then on
    assert all("Report number" in a["text"] for a in stored.values())
    publish(web, stories[6])
    web.page("/feed", rss([(web.url(s.path), s.title, s.published) for s in stories]))
    mediamon.crawl()
    latest = mediamon.articles()[web.url(stories[6].path)]
    assert signature not in latest["text"] and "Report number 6" in latest["text"]


def test_a_republished_wire_story_is_linked_to_its_original(
    mediamon: Mediamon, web: FixtureWeb
) -> None:
    copy = Story(
        "/daily/copy",
        "Daily: leaders hold rare call",
        [
            "By the wire desk",
            *WIRE.paragraphs,
            "Additional reporting by our correspondent.",
        ],
        RECENT,
    )
    publish(web, WIRE, copy, ANALYSIS)
    web.page("/wire/feed", rss([(web.url(WIRE.path), WIRE.title, RECENT - timedelta(hours=1))]))
    web.page(
        "/daily/feed",
        rss(
            [
                (web.url(copy.path), copy.title, RECENT),
                (web.url(ANALYSIS.path), ANALYSIS.title, RECENT),
            ]
        ),
    )
    mediamon.configure([{"name": "Wire", "feed": web.url("/wire/feed")}])
    mediamon.crawl()  # the original first
    mediamon.configure(
        [
            {"name": "Wire", "feed": web.url("/wire/feed")},
            {"name": "Daily", "feed": web.url("/daily/feed")},
        ]
    )
    mediamon.crawl()
    stored = mediamon.articles()
    assert stored[web.url(copy.path)]["duplicate_of"] == web.url(WIRE.path)
    assert stored[web.url(ANALYSIS.path)]["duplicate_of"] is None
    assert stored[web.url(WIRE.path)]["duplicate_of"] is None


def test_progress_is_plain_lines_when_not_on_a_terminal(
    mediamon: Mediamon, web: FixtureWeb
) -> None:
    publish(web, WIRE)
    web.page("/feed", rss([(web.url(WIRE.path), WIRE.title, RECENT)]))
    mediamon.configure([{"name": "Feed", "feed": web.url("/feed")}])
    first = mediamon.crawl()
    assert "[Feed] read: 1 items, 1 new to fetch" in first.stderr
    assert "\r" not in first.stderr  # no terminal redrawing in a log
    assert "[Feed] unchanged since the last crawl" in mediamon.crawl().stderr


def test_a_terminal_gets_one_redrawn_status_line() -> None:
    import io

    from crawler.report import CrawlReport

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    report = CrawlReport(["A", "B"], screen)
    report.index_read("A", announced=3, queued=2)
    report.saved("A", "new")
    report.source_failed("B", "http://b.test/feed: timed out")
    report.finish()
    text = screen.getvalue()
    assert "\rcrawling: 1/2 sources read, 1/2 new articles stored" in text
    assert "[B] failed: http://b.test/feed: timed out\n" in text
    assert text.endswith("\r\033[K")
