"""End to end: the labelled evaluation set, crawled for real, becomes the right events.

The set (tests/fixtures/coverage) is our own writing about real contacts since 2015, each
with both governments' readouts and press reports in English, Russian and Hebrew, plus hard
negatives and filler. It is served by the fixture web server, crawled with `mediamon crawl`,
and read back through `mediamon events --json` and `mediamon articles --json`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.coverage import Coverage, load_coverage
from tests.fakes.pages import Story, article_page, rss
from tests.fakes.web import FixtureWeb

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def mediamon(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMON_")}
    result = subprocess.run(
        [sys.executable, "-m", "mediamon", "--config", str(folder / "config.yaml"), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


def write_config(folder: Path, sources: list[dict[str, Any]]) -> None:
    config = {
        "storage": {"url": "sqlite:///data/m.db"},
        "crawl": {"max_age_days": None, "max_articles_per_source": 1000, "retries": 0},
        "sides": SHIPPED["sides"],
        "analysis": SHIPPED["analysis"],
        "topics": SHIPPED.get("topics", {}),
        "sources": sources,
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))


@dataclass
class Crawled:
    coverage: Coverage
    events: list[dict[str, Any]]
    articles: dict[str, dict[str, Any]]  # by path
    crawl_output: str
    folder: Path

    def event_of(self, contact: str) -> dict[str, Any]:
        paths = {a.path for a in self.coverage.articles if a.contact == contact}
        [event] = [e for e in self.events if {_path(a["url"]) for a in e["articles"]} & paths]
        return event


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    coverage = load_coverage()
    folder = tmp_path_factory.mktemp("coverage")
    with FixtureWeb() as web:
        write_config(folder, coverage.serve(web))
        output = mediamon(folder, "crawl").stdout
    events = json.loads(mediamon(folder, "events", "--json").stdout)
    articles = {
        _path(a["url"]): a for a in json.loads(mediamon(folder, "articles", "--json").stdout)
    }
    yield Crawled(coverage, events, articles, output, folder)


def test_every_contact_is_one_event_holding_all_its_articles(crawled: Crawled) -> None:
    assert len(crawled.events) == len(crawled.coverage.contacts)
    for contact in crawled.coverage.contacts:
        event = crawled.event_of(contact.id)
        assert {_path(a["url"]) for a in event["articles"]} == {a.path for a in contact.articles}, (
            contact.id
        )
        assert event["date"] == contact.date.isoformat(), contact.id
        for article in contact.articles:
            assert crawled.articles[article.path]["event"] == event["id"]
    assert f"{len(crawled.coverage.contacts)} new contact events" in crawled.crawl_output


def test_hard_negatives_and_filler_are_not_relevant(crawled: Crawled) -> None:
    for article in crawled.coverage.articles:
        stored = crawled.articles[article.path]
        assert stored["relevant"] is (article.contact is not None), article.path
        if article.contact is None:
            assert stored["event"] is None


def test_a_diverging_call_across_languages_as_the_interface_shows_it(crawled: Crawled) -> None:
    event = crawled.event_of("2023-12-10-netanyahu-putin-call")
    assert event["id"] == "2023-12-10-call-netanyahu-putin"
    assert (event["date"], event["kind"]) == ("2023-12-10", "call")
    assert event["participants"] == ["Benjamin Netanyahu", "Vladimir Putin"]
    israel, russia = event["sides"]["israel"], event["sides"]["russia"]
    official = {(s["source"], s["official"]) for s in israel["statements"] + russia["statements"]}
    assert ("Kremlin (en)", True) in official and (
        "Israeli Prime Minister's Office (en)",
        True,
    ) in official
    assert ("Israeli Prime Minister's Office (he)", True) in official
    press = [s for s in israel["statements"] if s["source"] == "Reuters"]
    assert press and press[0]["official"] is False and press[0]["quotes"]
    assert {a["source"] for a in event["articles"]} >= {"Kommersant", "Reuters"}
    divergence = event["divergence"]
    assert divergence["diverging"] is True and 0 < divergence["score"] <= 1
    assert (
        "Iran" in divergence["only"]["israel"]
        and "UN votes and positions" in divergence["only"]["israel"]
    )
    assert "the humanitarian situation" in divergence["only"]["russia"]
    assert "hostages" in divergence["shared"]
    assert divergence["summary"].startswith("Israel: Iran and UN votes and positions. Russia: ")
    assert len(divergence["summary"]) <= 300
    assert "Iran" in israel["topics"] and "Gaza" in russia["topics"]


def test_two_contacts_between_the_same_leaders_days_apart_are_two_events(crawled: Crawled) -> None:
    meeting = crawled.event_of("2022-03-05-bennett-putin-meeting")
    call = crawled.event_of("2022-03-12-bennett-putin-call")
    assert meeting["id"] != call["id"]
    assert (meeting["kind"], call["kind"]) == ("meeting", "call")


def test_two_calls_on_one_day_between_different_people_are_two_events(crawled: Crawled) -> None:
    leaders = crawled.event_of("2018-09-18-putin-netanyahu-call")
    ministers = crawled.event_of("2018-09-18-lieberman-shoigu-call")
    assert leaders["id"] != ministers["id"]
    assert (
        "Sergei Shoigu" in ministers["participants"]
        and "Vladimir Putin" not in ministers["participants"]
    )


def test_events_are_listed_newest_first_and_filtered(crawled: Crawled) -> None:
    dates = [event["date"] for event in crawled.events]
    assert dates == sorted(dates, reverse=True)
    recent = json.loads(
        mediamon(crawled.folder, "events", "--json", "--since", "2023-01-01").stdout
    )
    assert [e["date"] for e in recent] == [d for d in dates if d >= "2023-01-01"] and recent
    lines = mediamon(crawled.folder, "events", "--since", "2023-01-01").stdout.splitlines()
    assert lines[0].startswith("2025-06-13  call     Benjamin Netanyahu, Vladimir Putin")


def test_a_late_readout_joins_its_event_and_updates_it(web: FixtureWeb, tmp_path: Path) -> None:
    wire = Story(
        "/wire/1",
        "Putin and Netanyahu hold conversation as Gaza war rages",
        [
            "Israel's Prime Minister Benjamin Netanyahu and Russia's President Vladimir Putin held "
            "a conversation on Sunday, the Kremlin said in a short statement.",
            "The Kremlin said the conversation focused on the humanitarian situation in Gaza.",
        ],
    )
    readout = Story(
        "/pmo/1",
        "PM Netanyahu spoke with Russian President Putin",
        [
            "Prime Minister Benjamin Netanyahu this evening spoke by telephone with Russian President "
            "Vladimir Putin.",
            "The Prime Minister criticised Russia's positions at the United Nations.",
        ],
    )
    for story in (wire, readout):
        web.page(story.path, article_page(story))
    web.page("/wire/feed", rss([(web.url(wire.path), wire.title, wire.published)]))
    web.page("/pmo/feed", rss([]))
    write_config(
        tmp_path,
        [
            {"name": "Wire", "feed": web.url("/wire/feed")},
            {"name": "PMO", "feed": web.url("/pmo/feed"), "side": "israel", "official": True},
        ],
    )
    mediamon(tmp_path, "crawl")
    [before] = json.loads(mediamon(tmp_path, "events", "--json").stdout)
    assert (
        before["kind"] == "other"
        and "Israel has not published one yet" in before["divergence"]["summary"]
    )

    web.page("/pmo/feed", rss([(web.url(readout.path), readout.title, readout.published)]))
    mediamon(tmp_path, "crawl")
    [after] = json.loads(mediamon(tmp_path, "events", "--json").stdout)
    assert after["id"] == before["id"]
    assert after["kind"] == "call" and after["updated"] > before["updated"]
    assert [s["source"] for s in after["sides"]["israel"]["statements"]] == ["PMO"]
    assert after["divergence"]["diverging"] is True  # re-evaluated once Israel's account arrived
    assert after["divergence"]["only"] == {
        "israel": ["UN votes and positions"],
        "russia": ["Gaza", "the humanitarian situation"],
    }
    diverging = json.loads(mediamon(tmp_path, "events", "--json", "--diverging").stdout)
    assert [e["id"] for e in diverging] == [after["id"]]
    relevant = json.loads(mediamon(tmp_path, "articles", "--json", "--relevant").stdout)
    assert {a["event"] for a in relevant} == {after["id"]} and len(relevant) == 2
    assert "2 articles" in mediamon(tmp_path, "events").stdout
