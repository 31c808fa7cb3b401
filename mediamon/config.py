"""Loads config.yaml and validates it into frozen objects.

A mistake becomes one `ConfigError` line naming the key path and the line in the file,
e.g. ``sources[3].feed: not a URL (line 41)``. Nothing else in the project reads YAML:
the objects built here are passed explicitly to whoever needs them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from mediamon import __version__
from mediamon.errors import ConfigError

SOURCE_KINDS = ("feed", "sitemap", "listing", "json")
DEFAULT_USER_AGENT = f"mediamon/{__version__} (+https://github.com/mediamon/mediamon)"


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError("not a URL")
    return value


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from None
    return value


def _check_xpath(value: str) -> str:
    from lxml import etree

    try:
        etree.XPath(value)
    except etree.XPathSyntaxError as exc:
        raise ValueError(f"not a valid XPath expression ({exc})") from None
    return value


def _check_cron(value: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    if len(value.split()) != 5:
        raise ValueError("not a cron expression (five fields: minute hour day month weekday)")
    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(f"not a cron expression ({exc})") from None
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            "not a known time zone (use a name such as UTC or Europe/Berlin)"
        ) from None
    return value


Url = Annotated[str, AfterValidator(_check_url)]
Regex = Annotated[str, AfterValidator(_check_regex)]
XPath = Annotated[str, AfterValidator(_check_xpath)]
Cron = Annotated[str, AfterValidator(_check_cron)]
TimeZone = Annotated[str, AfterValidator(_check_timezone)]
NonEmpty = Annotated[str, Field(min_length=1)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Storage(Frozen):
    url: NonEmpty = "sqlite:///data/mediamon.db"


class Telegram(Frozen):
    api_base_url: Url = "https://api.telegram.org/bot"
    admins: tuple[int, ...] = ()


class Schedule(Frozen):
    timezone: TimeZone = "UTC"
    crawl: Cron = "*/15 * * * *"
    digest: Cron = "0 8 * * *"


class Crawl(Frozen):
    max_age_days: Annotated[int, Field(ge=1)] | None = 7
    obey_robots: bool = True
    user_agent: NonEmpty = DEFAULT_USER_AGENT
    timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    max_page_bytes: Annotated[int, Field(ge=10_000)] = 5_000_000
    retries: Annotated[int, Field(ge=0, le=10)] = 2
    retry_backoff_seconds: Annotated[float, Field(ge=0)] = 2.0
    concurrent_per_host: Annotated[int, Field(ge=1, le=2)] = 2
    autothrottle: bool = True
    max_articles_per_source: Annotated[int, Field(ge=1)] = 100
    recheck_official_after_hours: tuple[Annotated[float, Field(gt=0)], ...] = (1.0, 24.0)
    extract_workers: Annotated[int, Field(ge=0, le=32)] | None = None  # None: one per core


class Actor(Frozen):
    name: NonEmpty
    role: str | None = None
    aliases: tuple[NonEmpty, ...] = ()
    # an office (the Kremlin, a ministry) is a party to a contact and a speaker, but the
    # people who took part are the participants an event lists and is named after
    office: bool = False


class Side(Frozen):
    label: NonEmpty
    actors: tuple[Actor, ...] = Field(min_length=1)
    # Generic references to the side's leadership or government that count as a party to a
    # contact ("the Prime Minister of Israel", "the Russian side", "премьер-министр Израиля").
    references: tuple[NonEmpty, ...] = ()
    # How texts name the country itself ("Israeli officials said", "Moscow"): enough to
    # attribute a statement, never enough to make a contact.
    names: tuple[NonEmpty, ...] = ()


Phrases = dict[str, tuple[NonEmpty, ...]]  # language code -> phrases ("word*" takes any ending)
CONTACT_KINDS = ("call", "meeting", "visit", "message", "other")


class Attribution(Frozen):
    # "X said …": the speaker comes before the cue
    speaker: Phrases = Field(default_factory=dict)
    # "… according to X": the source comes after the cue
    source: Phrases = Field(default_factory=dict)


class Topic(Frozen):
    """A subject the accounts of a contact may cover, with its cues per language."""

    label: NonEmpty
    cues: Phrases = Field(default_factory=dict)
    # an apology, a blame, a demand: if only one side reports it, that alone is news
    conspicuous: bool = False
    # topics that cover this one: if the other side raises one of them, no difference
    # ("military coordination" said by one side, "Syria" by the other)
    related: tuple[str, ...] = ()


class Analysis(Frozen):
    """Cues the analysis reads texts with, per language; see README "Understanding coverage"."""

    contacts: dict[Literal["call", "meeting", "visit", "message", "other"], Phrases] = Field(
        default_factory=dict
    )
    # a contact sentence with one of these reports no contact: denied, planned, hoped for
    not_contact: Phrases = Field(default_factory=dict)
    attribution: Attribution = Attribution()
    lead_sentences: Annotated[int, Field(ge=1, le=20)] = 3
    # a contact reported more than this many days before publication is history, not news
    max_contact_age_days: Annotated[int, Field(ge=0)] = 3
    # articles whose contact dates are this many days apart can still be one contact
    event_window_days: Annotated[int, Field(ge=0)] = 1


class JsonFields(Frozen):
    """Where a JSON API keeps each article's fields; dotted paths, `{path}` templates for URLs."""

    items: str = ""
    url: NonEmpty
    title: str | None = None
    date: str | None = None
    body: str | None = None
    body_url: str | None = None
    body_path: str | None = None  # `body_url` answers JSON: the article's HTML is here ("a.*.b")


class Source(Frozen):
    name: NonEmpty
    feed: Url | None = None
    sitemap: Url | None = None
    listing: Url | None = None
    json_: Url | None = Field(default=None, alias="json")
    follow: Regex | None = None
    fields: JsonFields | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    side: str | None = None
    official: bool = False
    language: str | None = None
    enabled: bool = True
    prune_xpath: tuple[XPath, ...] = ()

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        given = [kind for kind in SOURCE_KINDS if self._url_of(kind)]
        if len(given) != 1:
            raise ValueError(
                f"needs exactly one of {', '.join(SOURCE_KINDS)} (found {len(given) or 'none'})"
            )
        if self.kind == "listing" and not self.follow:
            raise ValueError("a listing source needs `follow`, a regex for its article links")
        if self.kind == "json" and self.fields is None:
            raise ValueError("a json source needs `fields`, the mapping of its items")
        if self.official and not self.side:
            raise ValueError("an official source needs `side`: whose statements it publishes")
        return self

    def _url_of(self, kind: str) -> str | None:
        value: str | None = getattr(self, "json_" if kind == "json" else kind)
        return value

    @property
    def kind(self) -> Literal["feed", "sitemap", "listing", "json"]:
        for kind in SOURCE_KINDS:
            if self._url_of(kind):
                return kind  # type: ignore[return-value]
        raise AssertionError("validated source without a kind")

    @property
    def url(self) -> str:
        url = self._url_of(self.kind)
        assert url is not None
        return url


class Config(Frozen):
    storage: Storage = Storage()
    telegram: Telegram = Telegram()
    schedule: Schedule = Schedule()
    crawl: Crawl = Crawl()
    sides: dict[str, Side]
    analysis: Analysis = Analysis()
    topics: dict[str, Topic] = Field(default_factory=dict)
    sources: tuple[Source, ...] = Field(min_length=1)
    path: Path = Path("config.yaml")

    @model_validator(mode="after")
    def _consistent(self) -> Config:
        if len(self.sides) != 2:
            raise ValueError(f"sides: needs exactly two sides (found {len(self.sides)})")
        seen: set[str] = set()
        for index, source in enumerate(self.sources):
            if source.name in seen:
                raise _at(("sources", index, "name"), f"duplicate source name {source.name!r}")
            seen.add(source.name)
            if source.side is not None and source.side not in self.sides:
                known = ", ".join(self.sides)
                raise _at(
                    ("sources", index, "side"), f"unknown side {source.side!r} (known: {known})"
                )
        return self

    @property
    def enabled_sources(self) -> tuple[Source, ...]:
        return tuple(source for source in self.sources if source.enabled)

    def select_sources(self, names: Sequence[str]) -> tuple[Source, ...]:
        """The sources with these names, in config order; an unknown name is a ConfigError."""
        known = {source.name for source in self.sources}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ConfigError(
                f"no source named {unknown[0]!r} in {self.path.name} "
                f"(see `mediamon check-config` for the names)"
            )
        return tuple(source for source in self.sources if source.name in names)

    def database_url(self) -> str:
        """The storage URL, with `MEDIAMON_DATABASE_URL` winning and SQLite paths made absolute."""
        url = os.environ.get("MEDIAMON_DATABASE_URL") or self.storage.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
            relative = url[len(prefix) :]
            if relative and relative != ":memory:":
                url = prefix + str((self.path.parent / relative).resolve())
        return url


class _Located(ValueError):
    """A validation error that knows which key it is about, for cross-field checks."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _at(loc: tuple[str | int, ...], message: str) -> _Located:
    return _Located(loc, message)


def default_config_path() -> Path:
    return Path(os.environ.get("MEDIAMON_CONFIG") or "config.yaml")


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate the config file; raise `ConfigError` with one readable line."""
    path = Path(path) if path is not None else default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: not valid YAML: {problem}{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of keys (storage, sides, sources …)"
        )
    try:
        return Config.model_validate({**data, "path": path.resolve()})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, root)) from None


def _describe(exc: ValidationError, root: yaml.Node | None) -> str:
    # An unknown key usually explains the "missing" error next to it (a misspelt key).
    error = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
    loc: tuple[str | int, ...] = tuple(error["loc"])
    message = str(error["msg"])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _Located):
        loc, message = cause.loc, str(cause)
    message = _plain(message, error["type"])
    # pydantic names the failing branch of a union or the `json_` field; the user wrote neither
    loc = tuple(part for part in loc if not (isinstance(part, str) and part in _UNION_BRANCHES))
    loc = tuple("json" if part == "json_" else part for part in loc)
    path = _format_loc(loc)
    line = _line_of(root, loc)
    where = f" (line {line})" if line else ""
    more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{path or 'config'}: {message}{where}{more}"


_UNION_BRANCHES = {"int", "str", "float", "bool", "constrained-int", "constrained-float", "none"}


def _plain(message: str, kind: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    if kind == "extra_forbidden":
        return "unknown key (check its spelling)"
    if kind == "missing":
        return "required key is missing"
    return message.replace("sides: ", "")


def _format_loc(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _line_of(node: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest YAML node along `loc` (the key itself when possible)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    line = key.start_mark.line + 1
                    child = value
                    break
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def summarize(config: Config) -> list[str]:
    """The lines `mediamon check-config` prints."""
    lines = [f"config: {config.path}", f"storage: {_redact(config.database_url())}"]
    kinds: Mapping[str, int] = {
        kind: sum(1 for s in config.enabled_sources if s.kind == kind) for kind in SOURCE_KINDS
    }
    disabled = len(config.sources) - len(config.enabled_sources)
    counts = ", ".join(f"{n} {kind}" for kind, n in kinds.items() if n)
    lines.append(
        f"sources: {len(config.enabled_sources)} enabled ({counts})"
        + (f", {disabled} disabled" if disabled else "")
    )
    for source in config.sources:
        flags: list[str] = [source.kind]
        if source.side:
            flags.append(f"{'official ' if source.official else ''}{source.side}")
        if source.language:
            flags.append(source.language)
        if not source.enabled:
            flags.append("disabled")
        lines.append(f"  - {source.name} [{', '.join(flags)}] {source.url}")
    for side_id, side in config.sides.items():
        aliases = sum(len(actor.aliases) for actor in side.actors)
        lines.append(f"side {side_id}: {side.label}, {len(side.actors)} actors, {aliases} aliases")
    lines.append(
        f"schedule ({config.schedule.timezone}): crawl {config.schedule.crawl!r}, "
        f"digest {config.schedule.digest!r}"
    )
    max_age = config.crawl.max_age_days
    lines.append(
        f"crawl: max age {f'{max_age} days' if max_age else 'unlimited'}, "
        f"robots.txt {'obeyed' if config.crawl.obey_robots else 'ignored'}, "
        f"timeout {config.crawl.timeout_seconds:g}s, max page {config.crawl.max_page_bytes:,} bytes"
    )
    return lines


def _redact(url: str) -> str:
    """Hide a password in a database URL before printing it."""
    return re.sub(r"(://[^:/@]+):[^@]+@", r"\1:***@", url)
