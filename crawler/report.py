"""What happened to each source during a crawl: printed as it happens, summed up at the end."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class SourceOutcome:
    name: str
    failure: str | None = None  # the source itself could not be read
    unchanged: bool = False  # its index answered 304 Not Modified
    announced: int = 0  # links its index pages announced
    queued: int = 0  # of those, new ones fetched
    new: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)  # items that failed while the source was read


class CrawlReport:
    """Collects per-source outcomes; each problem is printed at once with the source's name."""

    def __init__(self, sources: list[str], stream: TextIO | None = None) -> None:
        self.outcomes = {name: SourceOutcome(name) for name in sources}
        self.stream = stream if stream is not None else sys.stderr
        # on a terminal one status line is redrawn; elsewhere (cron, logs) plain lines
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._status_shown = False

    def _say(self, source: str, message: str) -> None:
        self._clear()
        print(f"[{source}] {message}", file=self.stream, flush=True)
        self._status()

    def _clear(self) -> None:
        if self.live and self._status_shown:
            self.stream.write("\r\033[K")
            self._status_shown = False

    def _status(self) -> None:
        if not self.live:
            return
        read = sum(1 for o in self.outcomes.values() if o.failure or o.unchanged or o.announced)
        stored = sum(o.new + o.updated for o in self.outcomes.values())
        queued = sum(o.queued for o in self.outcomes.values())
        self.stream.write(
            f"\rcrawling: {read}/{len(self.outcomes)} sources read, "
            f"{stored}/{queued} new articles stored"
        )
        self.stream.flush()
        self._status_shown = True

    def finish(self) -> None:
        """End the status line so the summary starts on a clean line."""
        self._clear()

    def source_failed(self, source: str, reason: str) -> None:
        outcome = self.outcomes[source]
        if outcome.failure is None:
            outcome.failure = reason
        self._say(source, f"failed: {reason}")

    def index_read(self, source: str, announced: int, queued: int) -> None:
        outcome = self.outcomes[source]
        outcome.announced += announced
        outcome.queued += queued
        if self.live:
            self._status()
        else:
            print(
                f"[{source}] read: {announced} items, {queued} new to fetch",
                file=self.stream,
                flush=True,
            )

    def index_unchanged(self, source: str) -> None:
        self.outcomes[source].unchanged = True
        if self.live:
            self._status()
        else:
            print(f"[{source}] unchanged since the last crawl", file=self.stream, flush=True)

    def item_failed(self, source: str, reason: str) -> None:
        self.outcomes[source].errors.append(reason)
        self._say(source, f"error: {reason}")

    def note(self, source: str, message: str) -> None:
        self._say(source, message)

    def saved(self, source: str, outcome: str) -> None:
        if outcome == "new":
            self.outcomes[source].new += 1
        elif outcome == "updated":
            self.outcomes[source].updated += 1
        self._status()

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes.values() if o.failure is not None]

    def errors(self) -> list[dict[str, str]]:
        """Every problem of the run, for the crawl_runs table."""
        out = []
        for outcome in self.outcomes.values():
            if outcome.failure:
                out.append({"source": outcome.name, "error": outcome.failure, "fatal": "yes"})
            out.extend({"source": outcome.name, "error": e, "fatal": "no"} for e in outcome.errors)
        return out

    def summary(self) -> str:
        total = len(self.outcomes)
        new = sum(o.new for o in self.outcomes.values())
        updated = sum(o.updated for o in self.outcomes.values())
        line = f"{total} source{'s' * (total != 1)}, {new} new article{'s' * (new != 1)}"
        if updated:
            line += f", {updated} updated"
        failed = self.failed
        if failed:
            names = ", ".join(o.name for o in failed[:3]) + (" …" if len(failed) > 3 else "")
            line += f"; {len(failed)} source{'s' * (len(failed) != 1)} failed: {names}"
        return line
