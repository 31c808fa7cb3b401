"""The one spider: reads every configured source's index, fetches only new articles.

Sources are data (config.yaml); the spider picks a reader by each source's kind (feed,
sitemap, listing, json). One spider for all sources keeps a single downloader, so the
per-host limit and AutoThrottle hold across sources that share a host.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.indexes import IndexResult, MalformedIndex, reader_for
from crawler.indexes.json_api import read_body
from crawler.items import Link, Page
from crawler.report import CrawlReport
from mediamon.config import Crawl, Source
from mediamon.store import Store

HTML_TYPES = (b"text/html", b"application/xhtml+xml", b"text/plain")
MAX_CHILD_SITEMAPS = 20


@dataclass(frozen=True)
class CrawlContext:
    """Everything a crawl needs, handed to the spider and read by the pipelines."""

    sources: tuple[Source, ...]
    store: Store
    report: CrawlReport
    crawl: Crawl
    now: datetime

    def source(self, name: str) -> Source:
        return next(source for source in self.sources if source.name == name)


class SourcesSpider(Spider):
    name = "sources"

    def __init__(self, context: CrawlContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourcesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider._on_item_error, signal=signals.item_error)
        return spider

    # -- index pages -----------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        ctx = self.context
        for source in ctx.sources:
            yield self._index_request(source, source.url)
            if source.kind == "json" and source.fields and not source.fields.body_url:
                continue  # the body came inside the API's list: there is no page to look at again
            for recheck in ctx.store.due_rechecks(
                source.name, ctx.crawl.recheck_official_after_hours, ctx.now
            ):
                headers = {
                    **source.headers,
                    **_conditional_headers(recheck.etag, recheck.last_modified),
                }
                link = Link(url=recheck.url, fetch_url=recheck.fetch_url)
                yield self._article_request(source, link, headers, recheck=True)

    def _index_request(self, source: Source, url: str) -> Request:
        etag, last_modified = self.context.store.validators(source.name, url)
        headers = {**source.headers, **_conditional_headers(etag, last_modified)}
        return Request(
            url,
            headers=headers,
            callback=self.parse_index,
            errback=self.index_failed,
            meta={"source": source.name, "handle_httpstatus_list": [304], "index_url": url},
            priority=10,
            dont_filter=True,
        )

    def parse_index(self, response: Response) -> Iterator[Request | Page]:
        ctx = self.context
        source = ctx.source(response.meta["source"])
        index_url = response.meta["index_url"]
        is_root = index_url == source.url
        if response.status == 304:
            ctx.store.save_validators(source.name, index_url, None, None, 304, ctx.now)
            if is_root:
                ctx.report.index_unchanged(source.name)
            # an unchanged sitemap index may still point at news sitemaps that changed
            for child in ctx.store.index_children(source.name, index_url):
                yield self._index_request(source, child)
            return
        try:
            result = reader_for(source.kind)(response.body, response.url, source)
        except MalformedIndex as exc:
            self._index_problem(source, index_url, str(exc), is_root)
            return
        if result.problem and not (result.links or result.children):
            self._index_problem(source, index_url, result.problem, is_root)
            return
        if result.problem:
            ctx.report.item_failed(source.name, f"{index_url}: {result.problem}")
        children = self._child_indexes(result)
        ctx.store.save_validators(
            source.name,
            index_url,
            _header(response, b"ETag"),
            _header(response, b"Last-Modified"),
            response.status,
            ctx.now,
            children,
        )
        for child in children:
            yield self._index_request(source, child)
        yield from self._new_articles(source, result.links)

    def _child_indexes(self, result: IndexResult) -> list[str]:
        """The recent further index pages (sitemaps of a sitemap index), newest first."""
        children = [c for c in result.children if not self._too_old(c.published)]
        children.sort(key=lambda c: c.published or self.context.now, reverse=True)
        return [child.url for child in children[:MAX_CHILD_SITEMAPS]]

    def _new_articles(self, source: Source, links: list[Link]) -> Iterator[Request | Page]:
        ctx = self.context
        fresh = {link.url: link for link in links if not self._too_old(link.published)}
        unknown = ctx.store.unknown_urls(fresh)
        new = [link for url, link in fresh.items() if url in unknown]
        if any(link.published for link in new):
            new.sort(key=lambda link: link.published or ctx.now, reverse=True)
        new = new[: ctx.crawl.max_articles_per_source]
        ctx.report.index_read(source.name, announced=len(links), queued=len(new))
        for link in new:
            if link.body_html:
                yield Page(
                    source=source.name,
                    url=link.url,
                    html=link.body_html,
                    link=link,
                    language_hint=source.language,
                )
            else:
                yield self._article_request(source, link, dict(source.headers))

    def _too_old(self, published: datetime | None) -> bool:
        max_age = self.context.crawl.max_age_days
        if published is None or max_age is None:
            return False
        return published < self.context.now - timedelta(days=max_age)

    def index_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source = self.context.source(request.meta["source"])
        index_url = request.meta["index_url"]
        self._index_problem(source, index_url, describe_failure(failure), index_url == source.url)

    def _index_problem(self, source: Source, url: str, reason: str, is_root: bool) -> None:
        if is_root:
            self.context.report.source_failed(source.name, f"{url}: {reason}")
        else:
            self.context.report.item_failed(source.name, f"{url}: {reason}")

    # -- articles --------------------------------------------------------------------------

    def _article_request(
        self, source: Source, link: Link, headers: dict[str, str], *, recheck: bool = False
    ) -> Request:
        return Request(
            link.fetch_url or link.url,
            headers=headers,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={
                "source": source.name,
                "link": link,
                "recheck": recheck,
                "handle_httpstatus_list": [304] if recheck else [],
            },
        )

    def parse_article(self, response: Response) -> Iterator[Page]:
        ctx = self.context
        source = ctx.source(response.meta["source"])
        link: Link = response.meta["link"]
        recheck: bool = response.meta["recheck"]
        if response.status == 304:
            ctx.store.note_rechecked(link.url, ctx.crawl.recheck_official_after_hours, ctx.now)
            return
        html = self._article_html(source, link, response, recheck)
        if html is None:
            return
        yield Page(
            source=source.name,
            url=link.url,
            html=html,
            link=link,
            recheck=recheck,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            language_hint=source.language,
        )

    def _article_html(
        self, source: Source, link: Link, response: Response, recheck: bool
    ) -> str | None:
        """The article's HTML, or None once the reason there is none has been reported."""
        body_path = source.fields.body_path if source.fields is not None else None
        if body_path:  # an API that serves each article's body as JSON
            try:
                html = read_body(response.body, body_path)
            except MalformedIndex as exc:
                self._give_up(source, link, str(exc), permanent=False)
                return None
            if html is None:
                self._give_up(source, link, f"no article body at {body_path!r}", permanent=False)
            return html
        content_type = (response.headers.get(b"Content-Type") or b"text/html").lower()
        if not content_type.startswith(HTML_TYPES):
            kind = content_type.split(b";")[0].decode("latin-1")
            self._give_up(source, link, f"not an HTML page ({kind})", permanent=not recheck)
            return None
        text: str | None = getattr(response, "text", None)
        if text is None:
            self._give_up(source, link, "not a text page", permanent=not recheck)
        return text

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source = self.context.source(request.meta["source"])
        link: Link = request.meta["link"]
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            self.context.report.note(source.name, f"{link.url}: skipped, robots.txt disallows it")
            return
        permanent = _is_permanent(failure) and not request.meta.get("recheck")
        self._give_up(source, link, describe_failure(failure), permanent=permanent)

    def _give_up(self, source: Source, link: Link, reason: str, *, permanent: bool) -> None:
        """Report a failed article; a permanent failure is remembered so it is not fetched again."""
        ctx = self.context
        ctx.report.item_failed(source.name, f"{link.url}: {reason}")
        if permanent:
            ctx.store.skip_url(source.name, link.url, reason, ctx.now)

    def _on_item_error(
        self, item: Any, response: Response, spider: Spider, failure: Failure
    ) -> None:
        """A pipeline stage crashed on an article: reported like any other failed item."""
        page = getattr(item, "page", item)
        name = getattr(page, "source", None)
        if name in self.context.report.outcomes:
            url = getattr(page, "url", response.url if response else "?")
            self.context.report.item_failed(
                name, f"{url}: crashed while processing it ({failure.getErrorMessage()})"
            )

    def _on_spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        name = response.meta.get("source")
        if name in self.context.report.outcomes:
            self.context.report.item_failed(
                name, f"{response.url}: crashed while reading it ({failure.getErrorMessage()})"
            )


def describe_failure(failure: Failure) -> str:
    """One plain sentence for why a download failed."""
    value = failure.value
    request = getattr(failure, "request", None)
    attempts = 1 + int(request.meta.get("retry_times", 0)) if request is not None else 1
    tries = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
    if isinstance(value, HttpError):
        status = value.response.status
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "error"
        return f"HTTP {status} {phrase}{tries}"
    if isinstance(value, DownloadTimeoutError) or failure.check(
        "twisted.internet.error.TimeoutError"
    ):
        return f"timed out{tries}"
    if isinstance(value, CannotResolveHostError) or failure.check(
        "twisted.internet.error.DNSLookupError"
    ):
        return f"host not found{tries}"
    if isinstance(value, DownloadConnectionRefusedError) or failure.check(
        "twisted.internet.error.ConnectionRefusedError"
    ):
        return f"connection refused{tries}"
    if isinstance(value, DownloadCancelledError):
        return "page too large: larger than crawl.max_page_bytes, download stopped"
    if isinstance(value, ResponseDataLossError):
        return f"connection dropped before the page was complete{tries}"
    if isinstance(value, IgnoreRequest) and "redirect" in str(value):
        return "redirect loop: too many redirects"
    if failure.check(
        "twisted.internet.error.ConnectionLost",
        "twisted.internet.error.ConnectionDone",
        "twisted.web._newclient.ResponseNeverReceived",
        "twisted.web._newclient.ResponseFailed",
    ):
        return f"connection dropped without an answer{tries}"
    message = failure.getErrorMessage() or type(value).__name__
    return f"{type(value).__name__}: {message}{tries}"


def _is_permanent(failure: Failure) -> bool:
    value = failure.value
    if isinstance(value, HttpError):
        return value.response.status in (404, 410, 451)
    if isinstance(value, DownloadCancelledError):
        return True
    return isinstance(value, IgnoreRequest) and "redirect" in str(value)


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
