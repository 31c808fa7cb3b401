"""Loads the coverage evaluation set (tests/fixtures/coverage) and serves it as a small web.

Each outlet becomes one RSS feed on a fixture web server and one source in a config built
from the shipped config.yaml's sides, so tests and `bench/understanding.py` crawl the set
exactly as the product would crawl the real outlets.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from mediamon.store import Store
from tests.fakes.pages import Story, article_page, rss
from tests.fakes.web import FixtureWeb

ROOT = Path(__file__).resolve().parents[2]
COVERAGE = ROOT / "tests" / "fixtures" / "coverage"
KINDS = {"call", "meeting", "visit", "message", "other"}


@dataclass(frozen=True)
class Outlet:
    key: str
    name: str
    language: str
    side: str | None = None
    official: bool = False


@dataclass(frozen=True)
class Statement:
    side: str
    text: str


@dataclass(frozen=True)
class Article:
    outlet: Outlet
    published: datetime
    title: str
    paragraphs: tuple[str, ...]
    statements: tuple[Statement, ...]
    contact: str | None  # the contact id, None for negatives and filler
    group: str  # "contact", "negative" or "filler"
    slug: str

    @property
    def path(self) -> str:
        return f"/{self.outlet.key}/{self.slug}"


@dataclass(frozen=True)
class Contact:
    id: str
    date: date
    kind: str
    participants: tuple[str, ...]
    diverging: bool | None
    only: dict[str, tuple[str, ...]]
    shared: tuple[str, ...]
    articles: tuple[Article, ...] = field(default=())


@dataclass(frozen=True)
class Coverage:
    outlets: dict[str, Outlet]
    contacts: tuple[Contact, ...]
    articles: tuple[Article, ...]  # every article: contacts, negatives, filler

    def serve(self, web: FixtureWeb) -> list[dict[str, Any]]:
        """Publish every article and one feed per outlet; return the config's sources."""
        feeds: dict[str, list[tuple[str, str, datetime]]] = {key: [] for key in self.outlets}
        for article in self.articles:
            story = Story(article.path, article.title, article.paragraphs, article.published)
            site = article.outlet.name
            web.page(article.path, article_page(story, site=site, lang=article.outlet.language))
            feeds[article.outlet.key].append(
                (web.url(article.path), article.title, article.published)
            )
        sources = []
        for key, outlet in self.outlets.items():
            web.page(
                f"/{key}/feed.xml",
                rss(feeds[key], title=outlet.name),
                content_type="application/rss+xml",
            )
            source: dict[str, Any] = {
                "name": outlet.name,
                "feed": web.url(f"/{key}/feed.xml"),
                "language": outlet.language,
            }
            if outlet.side:
                source.update(side=outlet.side, official=outlet.official)
            sources.append(source)
        return sources


def crawl_coverage(coverage: Coverage, folder: Path) -> Store:
    """Serve the set, crawl it with the real command, and open the resulting store."""
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    with FixtureWeb() as web:
        sources = coverage.serve(web)
        config = {
            "storage": {"url": "sqlite:///data/eval.db"},
            "crawl": {"max_age_days": None, "max_articles_per_source": 1000},
            "sides": shipped["sides"],
            "analysis": shipped["analysis"],
            "topics": shipped.get("topics", {}),
            "sources": sources,
        }
        (folder / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
        result = subprocess.run(
            [sys.executable, "-m", "mediamon", "--config", str(folder / "config.yaml"), "crawl"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"crawl failed:\n{result.stderr[-3000:]}")
    return Store.open(f"sqlite:///{folder / 'data' / 'eval.db'}")


def store_contacts(
    store: Store, config: Any, contact_ids: Iterable[str], *, mark: str | None = None
) -> None:
    """Store the articles of these contacts as a crawl would, then analyse them. `mark`
    replaces every "Gaza" in their text (to test escaping)."""
    from mediamon.analysis import analyze_pending
    from mediamon.config import Source
    from mediamon.store import FetchedArticle

    coverage = load_coverage()
    wanted = set(contact_ids)
    store.sync_sources(
        [
            Source(name=o.name, feed=f"http://{o.key}.test/feed", side=o.side, official=o.official)
            for o in coverage.outlets.values()
        ]
    )
    for contact in coverage.contacts:
        if contact.id not in wanted:
            continue
        for article in contact.articles:
            text = "\n".join(p.replace("Gaza", mark) if mark else p for p in article.paragraphs)
            store.save_article(
                FetchedArticle(
                    url=f"http://{article.outlet.key}.test{article.path}",
                    source=article.outlet.name,
                    title=article.title,
                    text=text,
                    published=article.published,
                ),
                datetime.now(UTC),
            )
    analyze_pending(store, config)


class CoverageError(ValueError):
    """The evaluation set breaks its own format (see tests/fixtures/coverage/README.md)."""


def load_coverage(folder: Path = COVERAGE, actors: Iterable[str] | None = None) -> Coverage:
    outlets = {
        key: Outlet(key=key, **value)
        for key, value in yaml.safe_load((folder / "outlets.yaml").read_text()).items()
    }
    known_actors = set(actors) if actors is not None else _config_actors()
    contacts: list[Contact] = []
    articles: list[Article] = []
    for group, sub in (("contact", "contacts"), ("negative", "negatives"), ("filler", "filler")):
        for path in sorted((folder / sub).glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            label = data.get("contact")
            if (label is None) != (group != "contact"):
                raise CoverageError(
                    f"{path.name}: contact must be given in contacts/ and null elsewhere"
                )
            contact_id = _check_contact(path, label, known_actors) if label else None
            found = [
                _article(path, index, raw, outlets, contact_id, group)
                for index, raw in enumerate(data.get("articles") or [])
            ]
            if not found:
                raise CoverageError(f"{path.name}: no articles")
            articles.extend(found)
            if label:
                contacts.append(
                    Contact(
                        id=contact_id or "",
                        date=label["date"],
                        kind=label["kind"],
                        participants=tuple(label["participants"]),
                        diverging=label.get("diverging"),
                        only={side: tuple(v) for side, v in (label.get("only") or {}).items()},
                        shared=tuple(label.get("shared") or ()),
                        articles=tuple(found),
                    )
                )
    return Coverage(outlets, tuple(contacts), tuple(articles))


def _check_contact(path: Path, label: dict[str, Any], actors: set[str]) -> str:
    contact_id = str(label.get("id"))
    if contact_id != path.stem:
        raise CoverageError(f"{path.name}: contact.id must be {path.stem!r}")
    if label.get("kind") not in KINDS:
        raise CoverageError(f"{path.name}: kind must be one of {sorted(KINDS)}")
    if not isinstance(label.get("date"), date):
        raise CoverageError(f"{path.name}: date must be YYYY-MM-DD")
    unknown = [name for name in label.get("participants") or [] if name not in actors]
    if unknown or not label.get("participants"):
        raise CoverageError(f"{path.name}: participants not among config.yaml's actors: {unknown}")
    return contact_id


def _article(
    path: Path,
    index: int,
    raw: dict[str, Any],
    outlets: dict[str, Outlet],
    contact: str | None,
    group: str,
) -> Article:
    where = f"{path.name} article {index}"
    outlet = outlets.get(raw.get("outlet", ""))
    if outlet is None:
        raise CoverageError(f"{where}: unknown outlet {raw.get('outlet')!r}")
    published = raw.get("published")
    if isinstance(published, str):
        published = datetime.fromisoformat(published)
    if not isinstance(published, datetime) or published.tzinfo is None:
        raise CoverageError(f"{where}: published must be ISO 8601 with a zone")
    paragraphs = tuple(str(p) for p in raw.get("paragraphs") or ())
    if len(paragraphs) < 2 or not raw.get("title"):
        raise CoverageError(f"{where}: needs a title and at least two paragraphs")
    statements = tuple(Statement(**s) for s in raw.get("statements") or ())
    for statement in statements:
        if not any(statement.text in p for p in paragraphs):
            raise CoverageError(
                f"{where}: statement not found in the text: {statement.text[:60]!r}"
            )
    return Article(
        outlet,
        published,
        str(raw["title"]),
        paragraphs,
        statements,
        contact,
        group,
        slug=f"{path.stem}-{index}",
    )


def _config_actors() -> set[str]:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    return {actor["name"] for side in config["sides"].values() for actor in side["actors"]}


if __name__ == "__main__":  # python -m tests.fakes.coverage: check the set and count it
    coverage = load_coverage()
    groups = {
        g: sum(1 for a in coverage.articles if a.group == g)
        for g in ("contact", "negative", "filler")
    }
    print(f"{len(coverage.contacts)} contacts, {groups}")
