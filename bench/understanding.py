"""Understanding benchmark: relevance, events and side attribution against the labelled
evaluation set, and the cost of analysing a large store.

Crawls the evaluation set (tests/fixtures/coverage: our own writing about real contacts,
hard negatives and filler) from a loopback web server with the real `mediamon crawl`,
scores what the analysis made of it, then times the analysis of N stored articles and of
a further tenth of N on top of them (the cost must follow the new articles, not the store).

    .venv/bin/python bench/understanding.py --articles 10000
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mediamon.analysis import analyze_pending  # noqa: E402
from mediamon.config import Source, load_config  # noqa: E402
from mediamon.store import FetchedArticle, Store  # noqa: E402
from tests.fakes.coverage import Coverage, crawl_coverage, load_coverage  # noqa: E402


@dataclass
class Scores:
    relevance_precision: float
    relevance_recall: float
    event_precision: float
    event_recall: float
    attribution_accuracy: float
    details: list[str]


def score(coverage: Coverage, store: Store, base_url: str | None = None) -> Scores:
    by_path = {article.path: article for article in coverage.articles}
    stored = {_path(a.url): a for a in store.articles()}
    details: list[str] = []
    missing = [path for path in by_path if path not in stored]
    if missing:
        details.append(f"not stored: {len(missing)} (e.g. {missing[:3]})")

    truth = {path for path, a in by_path.items() if a.contact}
    predicted = {path for path, a in stored.items() if a.relevant}
    tp = len(truth & predicted)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    details += [f"false relevant: {p}" for p in sorted(predicted - truth)]
    details += [f"missed relevant: {p}" for p in sorted(truth - predicted)]

    events = store.events()
    contact_of = {path: a.contact for path, a in by_path.items() if a.contact}
    contact_size = Counter(contact_of.values())
    right_events = 0
    found_contacts: set[str] = set()
    for event in events:
        paths = [_path(a.url) for a in event.articles]
        contacts = Counter(contact_of.get(p) for p in paths)
        contacts.pop(None, None)
        if len(contacts) == 1:
            ((contact, count),) = contacts.items()
            if count * 2 > contact_size[contact]:
                right_events += 1
                found_contacts.add(contact)
                continue
        details.append(f"wrong event {event.id}: {dict(contacts)}")
    event_precision = right_events / len(events) if events else 0.0
    event_recall = len(found_contacts) / len(coverage.contacts) if coverage.contacts else 0.0
    details += [
        f"contact without an event: {c.id}" for c in coverage.contacts if c.id not in found_contacts
    ]

    statements = {}
    for event in events:
        for article in event.articles:
            statements[_path(article.url)] = article.statements
    labelled = correct = 0
    for path, article in by_path.items():
        for label in article.statements:
            labelled += 1
            got = [
                s.side
                for s in statements.get(path, ())
                if label.text in s.text or s.text in label.text
            ]
            if got and got[0] == label.side:
                correct += 1
            else:
                details.append(
                    f"attribution {path}: {label.side} expected, "
                    f"got {got or 'none'}: {label.text[:70]}"
                )
    accuracy = correct / labelled if labelled else 0.0
    return Scores(precision, recall, event_precision, event_recall, accuracy, details)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def analysis_cost(coverage: Coverage, count: int, folder: Path) -> tuple[float, float, int]:
    """Seconds to analyse `count` stored articles, then a tenth more on top of them."""
    config = load_config(ROOT / "config.yaml")
    store = Store.open(f"sqlite:///{folder / 'cost.db'}")
    outlets = list(coverage.outlets.values())
    store.sync_sources(
        [
            Source(name=o.name, feed=f"http://{o.key}.test/feed", side=o.side, official=o.official)
            for o in outlets
        ]
    )
    rng = random.Random(5)
    start = datetime(2015, 1, 1, tzinfo=UTC)

    def fill(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            template = rng.choice(coverage.articles)
            shift = timedelta(days=rng.randint(0, 3650), minutes=i)
            store.save_article(
                FetchedArticle(
                    url=f"http://{template.outlet.key}.test/{i}",
                    source=template.outlet.name,
                    title=template.title,
                    text="\n".join(template.paragraphs),
                    published=start + shift,
                ),
                start,
            )

    fill(count, 0)
    started = time.perf_counter()
    analyze_pending(store, config)
    first = time.perf_counter() - started
    fill(count // 10, count)
    started = time.perf_counter()
    analyze_pending(store, config)
    second = time.perf_counter() - started
    events = len(store.events())
    store.close()
    return first, second, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="stored articles to analyse")
    parser.add_argument("--details", action="store_true", help="list every miss")
    args = parser.parse_args()
    coverage = load_coverage()
    groups = Counter(a.group for a in coverage.articles)
    print(
        f"evaluation set: {len(coverage.contacts)} contacts, {groups['contact']} articles about "
        f"them, {groups['negative']} hard negatives, {groups['filler']} filler"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = crawl_coverage(coverage, folder)
        scores = score(coverage, store)
        store.close()
        print(
            f"relevance: precision {scores.relevance_precision:.3f}, "
            f"recall {scores.relevance_recall:.3f}"
        )
        print(f"events: precision {scores.event_precision:.3f}, recall {scores.event_recall:.3f}")
        print(f"side attribution accuracy: {scores.attribution_accuracy:.3f}")
        print("targets: every figure ≥ 0.95")
        if args.details:
            print("\n".join(scores.details))
        else:
            print(f"({len(scores.details)} misses; --details lists them)")
        first, second, events = analysis_cost(coverage, args.articles, folder)
        extra = args.articles // 10
        print(
            f"analysis of {args.articles} stored articles: {first:.2f} s "
            f"({first / args.articles * 1000:.2f} ms each, {events} events)"
        )
        print(
            f"then {extra} new articles on top: {second:.2f} s "
            f"({second / extra * 1000:.2f} ms each; ratio per article to the first run "
            f"{(second / extra) / (first / args.articles):.2f}, linear ≈ 1)"
        )


if __name__ == "__main__":
    main()
