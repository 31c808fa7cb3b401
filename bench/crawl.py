"""Crawl benchmark: the full pipeline against bare trafilatura, then a no-change re-run.

Serves N generated article pages (our own words, realistic site chrome, about as heavy as
real news pages) from a loopback web server behind six feeds, runs the real
`mediamon crawl` on them, and compares pages per second with bare `trafilatura.extract`
over the very same HTML in this process. Then crawls again with nothing changed and counts
requests, bytes and time.

    .venv/bin/python bench/crawl.py --pages 600
    .venv/bin/python bench/crawl.py --pages 543 --data ../shared/benchmarks/article-extraction

With `--data`, the pages are real news pages read from that folder (`html/*.html.gz`, as in
the article-extraction benchmark), served in turn until there are `--pages` of them; nothing
of them is kept.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.pages import Story, article_page, rss  # noqa: E402
from tests.fakes.web import FixtureWeb  # noqa: E402

WORDS = (
    "minister president government talks ceasefire delegation embassy envoy security council "
    "resolution humanitarian corridor aid convoy border region agreement statement office "
    "spokesman officials meeting telephone conversation visit capital cooperation sanctions "
    "energy grain exports prices parliament coalition opposition election court ruling budget "
    "hospital shelters residents evacuation drone strike airbase negotiations hostages release "
    "families protest square morning evening weekend analysts diplomats memorandum summit "
    "anniversary ceremony memorial veterans trade volume investment pipeline refinery port"
).split()
FEEDS = 6


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 28))]
    return " ".join(words).capitalize() + "."


def story(rng: random.Random, n: int, published: datetime) -> Story:
    paragraphs = [
        " ".join(sentence(rng) for _ in range(rng.randint(3, 6))) for _ in range(rng.randint(8, 16))
    ]
    return Story(
        f"/news/{n:05d}", f"Report number {n}: {sentence(rng)[:60]}", paragraphs, published
    )


def padded(html: str, rng: random.Random) -> str:
    """Real pages carry scripts, styles and long menus; so do these (about 60-120 KB)."""
    menu = "".join(
        f'<li><a href="/section/{i}">{rng.choice(WORDS).title()} {rng.choice(WORDS)}</a></li>'
        for i in range(rng.randint(150, 300))
    )
    script = "<script>window.__state = " + repr([rng.random() for _ in range(1500)]) + ";</script>"
    style = "<style>" + " ".join(f".c{i}{{margin:{i}px}}" for i in range(600)) + "</style>"
    return html.replace("</head>", f"{style}{script}</head>").replace(
        "<footer>", f'<nav class="mega-menu"><ul>{menu}</ul></nav><footer>'
    )


def real_pages(data: Path) -> list[str]:
    files = sorted((data / "html").glob("*.html.gz"))
    if not files:
        raise SystemExit(f"no html/*.html.gz under {data}")
    return [gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in files]


def build_site(web: FixtureWeb, pages: int, seed: int, data: Path | None) -> dict[str, str]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    real = real_pages(data) if data else []
    html: dict[str, str] = {}
    items: list[list[tuple[str, str, datetime]]] = [[] for _ in range(FEEDS)]
    for n in range(pages):
        item = story(rng, n, now - timedelta(minutes=n))
        body = real[n % len(real)] if real else padded(article_page(item), rng)
        web.page(item.path, body)
        html[item.path] = body
        items[n % FEEDS].append((web.url(item.path), item.title, item.published))
    for index, feed_items in enumerate(items):
        web.page(f"/feed/{index}.xml", rss(feed_items), content_type="application/rss+xml")
    return html


def bare_extraction(pages: list[str]) -> float:
    import trafilatura

    trafilatura.extract(pages[0])  # first-call set-up (date tables) is not the steady state
    started = time.perf_counter()
    for page in pages:
        trafilatura.extract(page)
    return time.perf_counter() - started


def crawl(folder: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mediamon", "--config", str(folder / "config.yaml"), "crawl"],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"crawl failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return wall, result


def last_run_seconds(database: Path) -> tuple[float, int]:
    with sqlite3.connect(database) as db:
        started, finished, new = db.execute(
            "SELECT started, finished, new_articles FROM crawl_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    span = datetime.fromisoformat(finished) - datetime.fromisoformat(started)
    return span.total_seconds(), int(new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600, help="article pages to crawl (≥ 500)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="crawl.extract_workers (default: the product's default)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder of real pages (html/*.html.gz) to serve instead of generated ones",
    )
    args = parser.parse_args()

    with FixtureWeb() as web, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        html = build_site(web, args.pages, args.seed, args.data)
        size = sum(len(page.encode()) for page in html.values())
        crawl_config: dict[str, object] = {
            "max_articles_per_source": args.pages,
            "user_agent": "mediamon-bench/1.0",
        }
        if args.workers is not None:
            crawl_config["extract_workers"] = args.workers
        config = {
            "storage": {"url": "sqlite:///data/bench.db"},
            "crawl": crawl_config,
            "sides": {
                "a": {"label": "A", "actors": [{"name": "First actor"}]},
                "b": {"label": "B", "actors": [{"name": "Second actor"}]},
            },
            "sources": [
                {"name": f"Feed {i}", "feed": web.url(f"/feed/{i}.xml")} for i in range(FEEDS)
            ],
        }
        (folder / "config.yaml").write_text(yaml.safe_dump(config))

        print(
            f"pages: {args.pages}, {size / 1e6:.1f} MB of HTML, median "
            f"{sorted(len(p) for p in html.values())[len(html) // 2] / 1000:.0f} KB"
        )

        bare = bare_extraction(list(html.values()))
        bare_rate = args.pages / bare
        print(f"bare trafilatura.extract, one process: {bare:.2f} s, {bare_rate:.1f} pages/s")

        wall, _ = crawl(folder)
        span, stored = last_run_seconds(folder / "data" / "bench.db")
        print(
            f"mediamon crawl: {stored} articles stored; crawl {span:.2f} s "
            f"({args.pages / span:.1f} pages/s), command wall {wall:.2f} s "
            f"({args.pages / wall:.1f} pages/s, with interpreter start-up)"
        )
        print(
            f"ratio pipeline / bare extraction: {args.pages / span / bare_rate:.2f} "
            f"(crawl), {args.pages / wall / bare_rate:.2f} (whole command); aim ≥ 0.85"
        )
        if stored != args.pages:
            print(f"note: {args.pages - stored} pages gave no article text and were not stored")

        web.reset_log()
        wall2, result = crawl(folder)
        article_hits = sum(1 for r in web.requests if r.path.startswith("/news/"))
        statuses = sorted({r.status for r in web.requests})
        print(
            f"no-change re-run: {len(web.requests)} requests (statuses {statuses}), "
            f"{web.total_bytes_sent()} bytes, {wall2:.2f} s wall; articles downloaded: "
            f"{article_hits}; summary: {result.stdout.strip()}"
        )
        print(
            f"re-run against first run: {len(web.requests)}/{args.pages + FEEDS + 1} requests, "
            f"{web.total_bytes_sent()}/{size} bytes"
        )


if __name__ == "__main__":
    main()
