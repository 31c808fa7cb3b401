"""Runs one crawl of the enabled sources in this process and records the outcome.

Scrapy's reactor cannot be restarted, so a process runs at most one crawl; the built-in
scheduler starts each crawl as a `mediamon crawl` subprocess.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from crawler.report import CrawlReport
from crawler.settings import scrapy_settings
from crawler.spiders.sources import CrawlContext, SourcesSpider
from mediamon.config import Config
from mediamon.store import Store, utcnow


@dataclass(frozen=True)
class CrawlSummary:
    run_id: int
    report: CrawlReport
    requests: int
    bytes_received: int

    @property
    def line(self) -> str:
        return self.report.summary()


def run_crawl(
    config: Config,
    store: Store,
    *,
    only: Sequence[str] = (),
    stream: TextIO | None = None,
    verbose: bool = False,
) -> CrawlSummary:
    """Crawl every enabled source once (or just those named in `only`, enabled or not);
    failures are reported per source, never raised."""
    sources = config.select_sources(only) if only else config.enabled_sources
    now = utcnow()
    store.sync_sources(config.sources)
    run_id = store.start_run(now)
    report = CrawlReport([source.name for source in sources], stream or sys.stderr)
    stats: dict[str, int] = {}
    status = "crashed"
    try:
        if sources:
            stats = _crawl(CrawlContext(sources, store, report, config.crawl, now), verbose)
        status = "completed"
    finally:
        report.finish()
        finished = utcnow()
        for outcome in report.outcomes.values():
            store.record_source_outcome(outcome.name, outcome.failure, finished)
            if outcome.failure is None and outcome.errors:
                store.record_source_error(outcome.name, outcome.errors[-1], finished)
        store.finish_run(
            run_id,
            finished,
            status=status,
            sources_ok=len(sources) - len(report.failed),
            sources_failed=len(report.failed),
            new_articles=sum(o.new for o in report.outcomes.values()),
            updated_articles=sum(o.updated for o in report.outcomes.values()),
            requests=stats.get("requests", 0),
            bytes_received=stats.get("bytes", 0),
            errors=report.errors(),
        )
    return CrawlSummary(run_id, report, stats.get("requests", 0), stats.get("bytes", 0))


def _crawl(context: CrawlContext, verbose: bool) -> dict[str, int]:
    from scrapy.crawler import CrawlerProcess

    level = "INFO" if verbose else "CRITICAL"
    settings = scrapy_settings(context.crawl, log_level=level)
    process = CrawlerProcess({**settings, "LOG_INSTALL_ROOT_HANDLER": verbose})
    if not verbose:
        # Problems reach the user through the report, once and with the source's name.
        for name in ("scrapy", "twisted", "py.warnings", "trafilatura", "htmldate", "courlan"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler(SourcesSpider)
    process.crawl(crawler, context=context)
    process.start()
    collected = crawler.stats.get_stats() if crawler.stats else {}
    return {
        "requests": int(collected.get("downloader/request_count", 0)),
        "bytes": int(collected.get("downloader/response_bytes", 0)),
    }
