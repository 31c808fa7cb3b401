"""The command line as a user meets it: `extract`, `articles`, `sources`, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mediamon.config import Source
from mediamon.store import FetchedArticle, Store
from tests.fakes.web import FixtureWeb

PAGES = Path(__file__).parent / "fixtures" / "pages"
CONFIG = """\
storage: {url: "sqlite:///data/m.db"}
sides:
  israel: {label: Israel, actors: [{name: Benjamin Netanyahu}]}
  russia: {label: Russia, actors: [{name: Vladimir Putin}]}
sources:
  - {name: Kremlin, feed: "http://kremlin.test/feed", side: russia, official: true}
  - {name: Wire, feed: "http://wire.test/feed"}
"""


def mediamon(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAMON_")}
    return subprocess.run(
        [sys.executable, "-m", "mediamon", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**environment, **env},
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text(CONFIG)
    return tmp_path


def fill(folder: Path) -> None:
    """Two stored articles, written through the store as a crawl would."""
    with Store.open(f"sqlite:///{folder / 'data' / 'm.db'}") as store:
        store.sync_sources(
            [
                Source(
                    name="Kremlin", feed="http://kremlin.test/feed", side="russia", official=True
                ),
                Source(name="Wire", feed="http://wire.test/feed"),
            ]
        )
        store.save_article(
            FetchedArticle(
                url="http://kremlin.test/events/1",
                source="Kremlin",
                title="Telephone conversation",
                text="The presidents spoke.",
                published=datetime(2024, 3, 1, 10, tzinfo=UTC),
                language="en",
            ),
            datetime(2024, 3, 1, 11, tzinfo=UTC),
        )
        store.save_article(
            FetchedArticle(
                url="http://wire.test/a",
                source="Wire",
                title="Leaders talk <again> & agree",
                text="A report.",
                published=datetime(2024, 3, 5, 8, tzinfo=UTC),
                language="en",
            ),
            datetime(2024, 3, 5, 9, tzinfo=UTC),
        )


def test_extract_prints_the_clean_text_of_a_saved_page() -> None:
    result = mediamon("extract", str(PAGES / "analysis_with_paywall.html"))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) > 80
    for pitch in ("Subscribe", "per year", "Skip to main content", "community of 40,000"):
        assert pitch not in result.stdout


def test_extract_json_gives_one_object_per_input_and_reports_unreadable_ones(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "gone.html"
    result = mediamon(
        "extract",
        "--json",
        str(PAGES / "readout_ru_cp1251.html"),
        str(missing),
        str(PAGES / "readout_he.html"),
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"mediamon: {missing}: no such file",
        "3 inputs, 1 unreadable",
    ]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(obj) for obj in lines] == [{"input", "title", "published", "language", "text"}] * 2
    russian, hebrew = lines
    assert russian["language"] == "ru" and "Премьер-министр" in russian["text"]
    assert hebrew["language"] == "he"


def test_extract_fetches_a_url(web: FixtureWeb) -> None:
    web.page("/story", (PAGES / "news_en_metadata.html").read_bytes())
    result = mediamon("extract", "--json", web.url("/story"))
    assert result.returncode == 0, result.stderr
    [article] = [json.loads(line) for line in result.stdout.splitlines()]
    assert article["published"] == "2023-12-10T15:45:00+00:00"
    web.fault("/down", "status", status=503)
    failed = mediamon("extract", web.url("/down"))
    assert failed.returncode == 1 and "HTTP 503" in failed.stderr


def test_articles_lists_newest_first_and_filters_by_day(folder: Path) -> None:
    fill(folder)
    listed = mediamon("--config", str(folder / "config.yaml"), "articles", "--json")
    assert listed.returncode == 0, listed.stderr
    articles = json.loads(listed.stdout)
    assert [a["url"] for a in articles] == ["http://wire.test/a", "http://kremlin.test/events/1"]
    kremlin = articles[1]
    assert {
        k: kremlin[k] for k in ("source", "official", "side", "relevant", "event", "published")
    } == {
        "source": "Kremlin",
        "official": True,
        "side": "russia",
        "relevant": False,
        "event": None,
        "published": "2024-03-01T10:00:00+00:00",
    }
    since = mediamon(
        "--config", str(folder / "config.yaml"), "articles", "--json", "--since", "2024-03-02"
    )
    assert [a["url"] for a in json.loads(since.stdout)] == ["http://wire.test/a"]
    text = mediamon("--config", str(folder / "config.yaml"), "articles")
    assert "2024-03-05  Wire" in text.stdout and "Leaders talk <again> & agree" in text.stdout


def test_config_from_the_environment_and_relative_storage(folder: Path, tmp_path: Path) -> None:
    fill(folder)
    result = mediamon(
        "articles", "--json", cwd=tmp_path.parent, MEDIAMON_CONFIG=str(folder / "config.yaml")
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2


def test_sources_lists_every_configured_source(folder: Path) -> None:
    result = mediamon("--config", str(folder / "config.yaml"), "sources", "--json")
    assert result.returncode == 0, result.stderr
    assert [(s["name"], s["state"]) for s in json.loads(result.stdout)] == [
        ("Kremlin", "new"),
        ("Wire", "new"),
    ]


def test_a_bad_option_is_one_line(folder: Path) -> None:
    result = mediamon("--config", str(folder / "config.yaml"), "articles", "--since", "March")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not a date in the form YYYY-MM-DD" in result.stderr


def test_an_unreachable_database_is_one_line_without_the_password(folder: Path) -> None:
    result = mediamon(
        "--config",
        str(folder / "config.yaml"),
        "articles",
        MEDIAMON_DATABASE_URL="postgresql+psycopg://mm:hunter2@127.0.0.1:1/mm",
    )
    assert result.returncode == 1
    assert result.stderr.startswith("mediamon: cannot open database postgresql+psycopg://mm:***@")
    assert result.stderr.count("\n") == 1 and "hunter2" not in result.stderr
