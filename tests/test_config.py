"""Config loading: the shipped file is valid; each mistake is one line with key path and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mediamon.config import load_config, parse_config
from mediamon.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

VALID = """\
storage:
  url: sqlite:///data/test.db
sides:
  israel:
    label: Israel
    actors:
      - name: Benjamin Netanyahu
        aliases: [Netanyahu, Нетаньяху, נתניהו]
  russia:
    label: Russia
    actors:
      - name: Vladimir Putin
        aliases: [Putin, Путин, פוטין]
sources:
  - name: Kremlin
    feed: http://kremlin.test/feed
    side: russia
    official: true
  - name: Wire
    sitemap: http://wire.test/sitemap.xml
  - name: Ministry
    listing: http://ministry.test/press/
    follow: '/press/\\d+'
  - name: Office
    json: http://office.test/api/news
    fields: {items: results, url: "http://office.test{path}", title: title, date: date}
"""


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, Path("config.yaml"))
    return str(raised.value)


def test_the_shipped_config_is_valid_and_lists_both_governments() -> None:
    config = load_config(ROOT / "config.yaml")
    assert set(config.sides) == {"israel", "russia"}
    official = {s.side for s in config.sources if s.official}
    assert official == {"israel", "russia"}
    kinds = {s.kind for s in config.sources}
    assert kinds == {"feed", "sitemap", "json"} or kinds >= {"feed", "sitemap", "json"}
    names = " ".join(s.name for s in config.sources)
    for expected in ("Kremlin", "Foreign", "Prime Minister", "TASS"):
        assert expected in names
    aliases = {a for side in config.sides.values() for actor in side.actors for a in actor.aliases}
    assert {"Путин", "פוטין", "Нетаньяху", "נתניהו"} <= aliases


def test_a_valid_config_becomes_frozen_objects() -> None:
    config = parse_config(VALID, Path("/etc/mediamon/config.yaml"))
    assert [s.kind for s in config.sources] == ["feed", "sitemap", "listing", "json"]
    assert config.sources[3].url == "http://office.test/api/news"
    assert config.database_url() == "sqlite:////etc/mediamon/data/test.db"
    with pytest.raises(Exception, match="frozen"):
        config.sources[0].name = "changed"  # type: ignore[misc]


def test_environment_overrides_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", "postgresql+psycopg://db.test/mm")
    assert parse_config(VALID, Path("c.yaml")).database_url() == "postgresql+psycopg://db.test/mm"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("feed: http://kremlin.test/feed", "feed: kremlin feed"),
            "sources[0].feed: not a URL (line 16)",
        ),
        (("    side: russia", "    side: ukraine"), "sources[0].side: unknown side 'ukraine'"),
        (
            ("    follow: '/press/\\d+'", "    follow: '/press/(\\d+'"),
            "sources[2].follow: not a valid regular expression",
        ),
        (("    follow: '/press/\\d+'\n", ""), "sources[2]: a listing source needs `follow`"),
        (
            ("  - name: Wire", "  - name: Kremlin"),
            "sources[1].name: duplicate source name 'Kremlin' (line 19)",
        ),
        (
            ("    official: true\n", "    official: true\n    langauge: ru\n"),
            "sources[0].langauge: unknown key (check its spelling) (line 19)",
        ),
        (
            (
                "  url: sqlite:///data/test.db",
                "  url: sqlite:///data/test.db\nschedule:\n  crawl: every minute",
            ),
            "schedule.crawl: not a cron expression",
        ),
        (
            ("  russia:\n    label: Russia", "  russia:\n    labels: Russia"),
            "sides.russia.labels: unknown key (check its spelling) (line 10) (+1 more)",
        ),
    ],
)
def test_each_mistake_names_the_key_and_line(change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in VALID
    message = error_of(VALID.replace(old, new, 1))
    assert message.startswith(expected), message
    assert "\n" not in message


def test_broken_yaml_names_the_line() -> None:
    assert error_of("sources:\n  - name: [unclosed\n").endswith("(line 3)")


def test_only_one_side_is_refused() -> None:
    start, end = VALID.index("  russia:"), VALID.index("sources:")
    one_side = VALID[:start] + VALID[end:].replace("    side: russia\n    official: true\n", "")
    assert "needs exactly two sides" in error_of(one_side)


def test_check_config_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text(VALID.replace("feed: http://kremlin.test/feed", "feed: nope"))
    result = subprocess.run(
        [sys.executable, "-m", "mediamon", "--config", str(bad), "check-config"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "mediamon: sources[0].feed: not a URL (line 16)"
    assert "Traceback" not in result.stderr


def test_check_config_summarises_a_valid_file(tmp_path: Path) -> None:
    good = tmp_path / "config.yaml"
    good.write_text(VALID)
    result = subprocess.run(
        [sys.executable, "-m", "mediamon", "--config", str(good), "check-config"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "4 enabled (1 feed, 1 sitemap, 1 listing, 1 json)" in result.stdout
    assert "Kremlin [feed, official russia]" in result.stdout


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mediamon", "--config", str(tmp_path / "none.yaml"), "check-config"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith("none.yaml: config file not found")
