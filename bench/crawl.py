"""Crawl benchmark: the full pipeline against bare trafilatura, then a no-change re-run.

Serves N generated article pages (our own words, realistic site chrome, about as heavy as
real news pages) behind six feeds on six loopback hosts (127.0.0.2-7, as six
sources would be six sites), runs the real
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
import contextlib
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
    """Real pages carry scripts, styles, long menus and rails of teasers: so do these."""
    menu = "".join(
        f'<li><a href="/section/{i}">{rng.choice(WORDS).title()} {rng.choice(WORDS)}</a></li>'
        for i in range(rng.randint(150, 300))
    )
    teasers = "".join(
        f'<div class="card"><div class="card-media"><a href="/news/t{i}"><img src="/i/{i}.jpg" '
        f'alt=""></a></div><div class="card-body"><span class="kicker">{rng.choice(WORDS)}</span>'
        f'<h3><a href="/news/t{i}">{sentence(rng)[:70]}</a></h3><p>{sentence(rng)}</p>'
        f'<div class="meta"><span>{rng.randint(1, 59)} min ago</span></div></div></div>'
        for i in range(rng.randint(40, 80))
    )
    script = "<script>window.__state = " + repr([rng.random() for _ in range(1500)]) + ";</script>"
    style = "<style>" + " ".join(f".c{i}{{margin:{i}px}}" for i in range(600)) + "</style>"
    return html.replace("</head>", f"{style}{script}</head>").replace(
        "<footer>",
        f'<aside class="rail">{teasers}</aside>'
        f'<nav class="mega-menu"><ul>{menu}</ul></nav><footer>',
    )


def real_pages(data: Path) -> list[str]:
    files = sorted((data / "html").glob("*.html.gz"))
    if not files:
        raise SystemExit(f"no html/*.html.gz under {data}")
    return [gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in files]


def build_sites(webs: list[FixtureWeb], pages: int, seed: int, data: Path | None) -> list[str]:
    """One feed per site; returns every article page's HTML."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    real = real_pages(data) if data else []
    html: list[str] = []
    items: list[list[tuple[str, str, datetime]]] = [[] for _ in webs]
    for n in range(pages):
        item = story(rng, n, now - timedelta(minutes=n))
        body = real[n % len(real)] if real else padded(article_page(item), rng)
        web = webs[n % len(webs)]
        web.page(item.path, body)
        html.append(body)
        items[n % len(webs)].append((web.url(item.path), item.title, item.published))
    for web, feed_items in zip(webs, items, strict=True):
        web.page("/feed.xml", rss(feed_items), content_type="application/rss+xml")
    return html


def bare_extraction(pages: list[str], **options: bool) -> float:
    import trafilatura

    trafilatura.extract(pages[0], **options)  # first-call set-up is not the steady state
    started = time.perf_counter()
    for page in pages:
        trafilatura.extract(page, **options)
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

    with contextlib.ExitStack() as stack:
        webs = [stack.enter_context(FixtureWeb(f"127.0.0.{2 + i}")) for i in range(FEEDS)]
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        html = build_sites(webs, args.pages, args.seed, args.data)
        size = sum(len(page.encode()) for page in html)
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
                {"name": f"Site {i}", "feed": web.url("/feed.xml")} for i, web in enumerate(webs)
            ],
        }
        (folder / "config.yaml").write_text(yaml.safe_dump(config))

        print(
            f"pages: {args.pages} on {FEEDS} hosts, {size / 1e6:.1f} MB of HTML, median "
            f"{sorted(len(p) for p in html)[len(html) // 2] / 1000:.0f} KB"
        )

        bare = bare_extraction(html)
        bare_rate = args.pages / bare
        print(f"bare trafilatura.extract, one process: {bare:.2f} s, {bare_rate:.1f} pages/s")
        # the product's own settings: comments off, precision on (costlier on link-heavy pages)
        same = bare_extraction(html, include_comments=False, favor_precision=True)
        same_rate = args.pages / same
        print(
            f"bare trafilatura.extract with the product's options (no comments, precision): "
            f"{same:.2f} s, {same_rate:.1f} pages/s"
        )

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
        print(
            f"ratio pipeline / bare extraction with the same options: "
            f"{args.pages / span / same_rate:.2f} (crawl), "
            f"{args.pages / wall / same_rate:.2f} (whole command)"
        )
        if stored != args.pages:
            print(f"note: {args.pages - stored} pages gave no article text and were not stored")

        for web in webs:
            web.reset_log()
        wall2, result = crawl(folder)
        requests = [r for web in webs for r in web.requests]
        sent = sum(web.total_bytes_sent() for web in webs)
        article_hits = sum(1 for r in requests if r.path.startswith("/news/"))
        statuses = sorted({r.status for r in requests})
        print(
            f"no-change re-run: {len(requests)} requests (statuses {statuses}), {sent} bytes, "
            f"{wall2:.2f} s wall; articles downloaded: {article_hits}; "
            f"summary: {result.stdout.strip()}"
        )
        first = args.pages + 2 * FEEDS  # articles, feeds, robots.txt per host
        print(f"re-run against first run: {len(requests)}/{first} requests, {sent}/{size} bytes")


if __name__ == "__main__":
    main()
