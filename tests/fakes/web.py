"""Loopback HTTP server that end-to-end tests and benchmarks crawl over real HTTP.

``FixtureWeb`` serves registered pages (with ETag / Last-Modified revalidation), an
optional robots.txt and injectable faults (error statuses, flaky pages, slow answers,
redirect loops, huge bodies, dropped connections), and records every request so a test
can check what a crawler actually did: which paths it fetched, with which headers, how
many bytes it pulled and how many requests it had open per host at once.

Standard library only and independent of pytest, so bench/crawl.py can import it too::

    with FixtureWeb() as web:
        web.page("/news/1", "<html>...</html>")
        web.fault("/down", "status", status=503)
        crawl(web.url("/news/1"))
        assert web.hits("/news/1") == 1
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import select
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackServer

__all__ = ["FAULT_KINDS", "FixtureWeb", "RequestRecord"]

# kind -> (required options, optional options); unknown options are rejected so a
# misspelt option fails the test that set it up instead of silently doing nothing.
_FAULT_OPTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "status": (frozenset({"status"}), frozenset({"headers"})),
    "flaky": (frozenset({"failures"}), frozenset({"body", "content_type", "status"})),
    "slow": (frozenset({"seconds"}), frozenset({"body", "content_type"})),
    "redirect_loop": (frozenset(), frozenset({"to", "status"})),
    "huge": (frozenset({"bytes"}), frozenset({"content_type"})),
    "huge_chunked": (frozenset({"bytes"}), frozenset({"content_type"})),
    "drop": (frozenset(), frozenset()),
}
FAULT_KINDS = frozenset(_FAULT_OPTIONS)

_HTML = "text/html; charset=utf-8"

# Huge bodies are streamed as slices of this one block, so a 12 MB answer costs no
# 12 MB allocation however many times it is requested.
_FILLER = memoryview(
    (b"<p>" + b"lorem ipsum dolor sit amet " * 6 + b"</p>\n") * (64 * 1024 // 170 + 1)
)[: 64 * 1024]

# How often a handler parked on a "slow" fault checks whether the server is stopping
# or the client has hung up; also the accept loop's shutdown latency.
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it.

    A record is logged as soon as the request arrives and is final by the time the
    client holds the whole answer. ``status`` is 0 until the answer goes out and stays 0
    when none did (a "drop" fault, or the client hung up during a "slow" one).
    ``bytes_sent`` counts body bytes only (no headers, no chunk framing), so a benchmark
    can sum transfer volume; for an aborted answer it is what was handed to the socket.
    """

    method: str
    path: str
    status: int
    bytes_sent: int
    headers: dict[str, str] = field(hash=False)
    time: float

    @property
    def bare_path(self) -> str:
        """``path`` without its query string."""
        return self.path.partition("?")[0]


# (log generation, index in FixtureWeb.requests) of a request being served.
_Ticket = tuple[int, int]


@dataclass
class _Page:
    body: bytes
    content_type: str
    etag: str | None
    last_modified: datetime | None
    status: int
    headers: dict[str, str]


@dataclass
class _Fault:
    kind: str
    options: dict[str, Any]
    served: int = 0


class FixtureWeb:
    """A threaded HTTP/1.1 server on 127.0.0.1 with scriptable pages and faults.

    Every host name that resolves to 127.0.0.1 reaches it (``url(path, host="localhost")``),
    so a crawler can be shown several distinct hosts; ``max_concurrent`` is keyed by the
    request's Host header, e.g. ``"127.0.0.1:PORT"`` (see ``netloc()``).

    A path is looked up exactly (query included) first, then without its query, so a
    page or fault registered for ``/list`` also answers ``/list?page=2``. A path holds
    either a page or a fault: registering one replaces the other.
    """

    def __init__(self, address: str = "127.0.0.1") -> None:
        if not address.startswith("127."):
            raise ValueError("a fixture web serves loopback only (127.0.0.0/8)")
        # another loopback address (127.0.0.2 …) is another host to a crawler
        self.address = address
        self.requests: list[RequestRecord] = []
        self.max_concurrent: dict[str, int] = {}
        # Unexpected exceptions raised while handling a request (never client
        # hang-ups); kept instead of printed so tests stay quiet yet can assert on it.
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._routes: dict[str, _Page | _Fault] = {}
        self._in_flight: dict[str, int] = {}
        # Bumped by reset_log() so requests in flight across a reset don't write
        # their final status into somebody else's slot of the cleared log.
        self._generation = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> FixtureWeb:
        if self._server is not None:
            raise RuntimeError("FixtureWeb can only be started once")
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name=f"FixtureWeb:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns promptly even with slow or streaming requests open."""
        server = self._server
        if server is None or self._stopping.is_set():
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=1)

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FixtureWeb is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def netloc(self, host: str | None = None) -> str:
        """``host:port`` as a client sends it in the Host header (the max_concurrent key)."""
        return f"{host or self.address}:{self.port}"

    def url(self, path: str, *, host: str | None = None) -> str:
        _check_path(path)
        return f"http://{self.netloc(host)}{path}"

    # -- content ---------------------------------------------------------------------

    def page(
        self,
        path: str,
        body: str | bytes,
        *,
        content_type: str = _HTML,
        etag: bool = True,
        last_modified: datetime | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve ``body`` at ``path``.

        With ``etag`` a strong ETag derived from the body is sent and a matching
        If-None-Match gets 304; with ``last_modified`` (naive means UTC) an
        If-Modified-Since at or after it gets 304. Revalidation applies to status 200
        only. A str body is encoded with the charset named in ``content_type``.
        """
        _check_path(path)
        framing = {"content-length", "transfer-encoding"} & {h.lower() for h in headers or {}}
        if framing:
            raise ValueError(f"the server frames bodies itself; drop {sorted(framing)}")
        data = body.encode(_charset(content_type)) if isinstance(body, str) else bytes(body)
        tag = f'"{hashlib.sha256(data).hexdigest()[:32]}"' if etag else None
        stamp = None
        if last_modified is not None:
            # HTTP dates have whole-second resolution; keeping microseconds would make
            # an If-Modified-Since echoing our own Last-Modified look older than the page.
            stamp = _as_utc(last_modified).replace(microsecond=0)
        entry = _Page(data, content_type, tag, stamp, status, dict(headers or {}))
        with self._lock:
            self._routes[path] = entry

    def remove(self, path: str) -> None:
        """Forget the page or fault at ``path``; it answers 404 from now on."""
        with self._lock:
            self._routes.pop(path, None)

    def robots(self, text: str) -> None:
        """Serve ``/robots.txt`` (until called, it is 404, which crawlers read as allow-all)."""
        self.page("/robots.txt", text, content_type="text/plain; charset=utf-8")

    # -- faults ----------------------------------------------------------------------

    def fault(self, path: str, kind: str, **options: Any) -> None:
        """Make ``path`` misbehave.

        - ``status``: answer ``status`` every time with a small HTML body (``headers``
          optional, e.g. Retry-After).
        - ``flaky``: answer ``status`` (default 503) to the first ``failures`` requests,
          then 200 with ``body``.
        - ``slow``: wait ``seconds`` before answering 200 with ``body``. Other requests
          are unaffected; the wait ends early if the client hangs up or the server stops.
        - ``redirect_loop``: 302 (or ``status``) to ``path?hop=N+1`` forever, or, with
          ``to``, back and forth between ``path`` and ``to`` (``to`` is taken over too).
        - ``huge``: a 200 text/html body of ``bytes`` bytes with Content-Length.
        - ``huge_chunked``: the same with chunked transfer encoding (no Content-Length).
        - ``drop``: close the connection without answering.
        """
        _check_path(path)
        if kind not in _FAULT_OPTIONS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        required, optional = _FAULT_OPTIONS[kind]
        missing = required - options.keys()
        unknown = options.keys() - required - optional
        if missing or unknown:
            raise ValueError(
                f"fault {kind!r}: missing options {sorted(missing)}, unknown {sorted(unknown)}"
            )
        opts = dict(options)
        if "to" in opts:
            _check_path(opts["to"])
        if "body" in opts or kind in ("flaky", "slow"):
            body = opts.get("body", "<html><body><p>ok</p></body></html>")
            content_type = opts.get("content_type", _HTML)
            opts["body"] = body.encode(_charset(content_type)) if isinstance(body, str) else body
        for name in ("failures", "bytes"):
            if name in opts and (not isinstance(opts[name], int) or opts[name] < 0):
                raise ValueError(f"fault {kind!r}: {name} must be a non-negative int")
        with self._lock:
            self._routes[path] = _Fault(kind, opts)
            if kind == "redirect_loop" and "to" in opts:
                self._routes[opts["to"]] = _Fault(kind, {**opts, "to": path})

    # -- observation -----------------------------------------------------------------

    def hits(self, path: str, *, ignore_query: bool = False) -> int:
        """Requests received for ``path`` (exact, query included, unless ``ignore_query``).

        A request counts from the moment it arrives, even while it is still being served.
        """
        return len(self._matching(path, ignore_query))

    def statuses(self, path: str, *, ignore_query: bool = False) -> list[int]:
        """Status answered to each request for ``path``, in arrival order (0: none sent)."""
        return [r.status for r in self._matching(path, ignore_query)]

    def total_bytes_sent(self) -> int:
        """Body bytes sent for every logged request."""
        with self._lock:
            return sum(r.bytes_sent for r in self.requests)

    def reset_log(self) -> None:
        """Clear ``requests`` and restart ``max_concurrent`` peaks from what is in flight now.

        Pages, faults and fault state (e.g. a flaky page's failure count) are kept.
        """
        with self._lock:
            self.requests.clear()
            self._generation += 1
            self.max_concurrent.clear()
            self.max_concurrent.update({h: n for h, n in self._in_flight.items() if n})

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no request is being served; False if ``timeout`` ran out first.

        Useful before reading ``statuses`` or ``bytes_sent`` of requests whose client
        gave up, since the server finishes those a moment later.
        """
        with self._idle:
            return self._idle.wait_for(lambda: not any(self._in_flight.values()), timeout)

    def _matching(self, path: str, ignore_query: bool) -> list[RequestRecord]:
        with self._lock:
            if ignore_query:
                bare = path.partition("?")[0]
                return [r for r in self.requests if r.bare_path == bare]
            return [r for r in self.requests if r.path == path]

    # -- called from handler threads -------------------------------------------------

    def _lookup(self, target: str) -> _Page | _Fault | None:
        with self._lock:
            route = self._routes.get(target)
            if route is None:
                route = self._routes.get(target.partition("?")[0])
            return route

    def _next_serving(self, fault: _Fault) -> int:
        with self._lock:
            fault.served += 1
            return fault.served

    def _begin(self, method: str, path: str, host: str, headers: dict[str, str]) -> _Ticket:
        record = RequestRecord(method, path, 0, 0, headers, time.monotonic())
        with self._lock:
            self.requests.append(record)
            current = self._in_flight.get(host, 0) + 1
            self._in_flight[host] = current
            if current > self.max_concurrent.get(host, 0):
                self.max_concurrent[host] = current
            return self._generation, len(self.requests) - 1

    def _update(self, ticket: _Ticket, status: int, bytes_sent: int) -> None:
        generation, index = ticket
        with self._lock:
            if generation == self._generation:
                self.requests[index] = replace(
                    self.requests[index], status=status, bytes_sent=bytes_sent
                )

    def _release(self, host: str) -> None:
        with self._lock:
            self._in_flight[host] -= 1
            if not any(self._in_flight.values()):
                self._idle.notify_all()


class _Server(LoopbackServer):
    def __init__(self, web: FixtureWeb) -> None:
        self.web = web
        super().__init__(web.address, _Handler, web.errors)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "FixtureWeb/1.0"
    sys_version = ""
    # Small writes (status line, chunk headers) must not wait on Nagle + delayed ACK.
    disable_nagle_algorithm = True
    # An idle keep-alive connection shouldn't pin a thread for the whole test session.
    timeout = 30

    _status = 0
    _body_bytes = 0
    _ticket: _Ticket = (-1, -1)
    _host = ""
    _settled = False

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    # -- dispatch --------------------------------------------------------------------

    def _serve(self) -> None:
        web = self.server.web
        target = _origin_form(self.path)
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        self._status = 0
        self._body_bytes = 0
        self._host = headers.get("host", "").lower()
        self._ticket = web._begin(self.command, target, self._host, headers)
        self._settled = False
        try:
            route = web._lookup(target)
            if route is None:
                self._send_simple(404)
            elif isinstance(route, _Page):
                self._send_page(route)
            else:
                getattr(self, f"_fault_{route.kind}")(route, target)
        except OSError:
            # The client hung up (or stop() cut the socket) mid-answer; nothing more
            # can be said on this connection.
            self.close_connection = True
        finally:
            # Also corrects bytes_sent when the last write failed after _settle().
            web._update(self._ticket, self._status, self._body_bytes)
            if not self._settled:
                web._release(self._host)

    def _settle(self) -> None:
        """Book the request as answered just before its last bytes go out.

        Once a client holds the whole answer it may read the log or send its next
        request straight away; doing the books after the final write would let it see
        status 0, or see this request still in flight and count one concurrent request
        too many for its host.
        """
        if not self._settled:
            self._settled = True
            web = self.server.web
            web._update(self._ticket, self._status, self._body_bytes)
            web._release(self._host)

    def _end_headers(self, *, last: bool) -> None:
        if last:
            self._settle()
        self.end_headers()

    def _write(self, data: bytes | memoryview, payload: int, *, last: bool) -> None:
        """Send ``data``, of which ``payload`` bytes are body (the rest chunk framing)."""
        self._body_bytes += payload
        if last:
            self._settle()
        try:
            self.wfile.write(data)
        except OSError:
            self._body_bytes -= payload
            raise

    @property
    def _with_body(self) -> bool:
        return self.command != "HEAD"

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        bodiless = status in (204, 304) or 100 <= status < 200
        if not bodiless:
            self.send_header("Content-Length", str(len(body)))
        write_body = self._with_body and not bodiless and bool(body)
        self._end_headers(last=not write_body)
        if write_body:
            self._write(body, len(body), last=True)

    def _send_simple(self, status: int, headers: dict[str, str] | None = None) -> None:
        phrase = _phrase(status)
        body = f"<html><body><h1>{status} {phrase}</h1></body></html>\n".encode()
        self._send(status, {"Content-Type": _HTML, **(headers or {})}, body)

    def _send_page(self, page: _Page) -> None:
        validators: dict[str, str] = {}
        if page.etag is not None:
            validators["ETag"] = page.etag
        if page.last_modified is not None:
            validators["Last-Modified"] = email.utils.format_datetime(
                page.last_modified, usegmt=True
            )
        if page.status == 200 and self._not_modified(page):
            self._send(304, {**validators, **page.headers}, b"")
        else:
            headers = {"Content-Type": page.content_type, **validators, **page.headers}
            self._send(page.status, headers, page.body)

    def _not_modified(self, page: _Page) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            # RFC 9110: If-None-Match wins over If-Modified-Since and uses weak comparison.
            if page.etag is None:
                return False
            tags = [tag.strip() for tag in if_none_match.split(",")]
            return "*" in tags or any(tag.removeprefix("W/") == page.etag for tag in tags)
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None or page.last_modified is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return _as_utc(since) >= page.last_modified

    # -- faults ----------------------------------------------------------------------

    def _fault_status(self, fault: _Fault, target: str) -> None:
        self._send_simple(fault.options["status"], fault.options.get("headers"))

    def _fault_flaky(self, fault: _Fault, target: str) -> None:
        opts = fault.options
        if self.server.web._next_serving(fault) <= opts["failures"]:
            self._send_simple(opts.get("status", 503))
        else:
            self._send(200, {"Content-Type": opts.get("content_type", _HTML)}, opts["body"])

    def _fault_slow(self, fault: _Fault, target: str) -> None:
        opts = fault.options
        if not self._wait(float(opts["seconds"])):
            self.close_connection = True
            return
        self._send(200, {"Content-Type": opts.get("content_type", _HTML)}, opts["body"])

    def _fault_redirect_loop(self, fault: _Fault, target: str) -> None:
        opts = fault.options
        if "to" in opts:
            destination = opts["to"]
        else:
            bare, _, query = target.partition("?")
            try:
                hop = int(parse_qs(query).get("hop", ["0"])[0]) + 1
            except ValueError:
                hop = 1
            destination = f"{bare}?hop={hop}"
        host = self.headers.get("Host")
        location = f"http://{host}{destination}" if host else destination
        self._send_simple(opts.get("status", 302), {"Location": location})

    def _fault_huge(self, fault: _Fault, target: str) -> None:
        size = fault.options["bytes"]
        self.send_response(200)
        self.send_header("Content-Type", fault.options.get("content_type", _HTML))
        self.send_header("Content-Length", str(size))
        self._end_headers(last=not (self._with_body and size))
        if self._with_body:
            self._stream(size, chunked=False)

    def _fault_huge_chunked(self, fault: _Fault, target: str) -> None:
        size = fault.options["bytes"]
        # HTTP/1.0 clients can't read chunked bodies; for them "no length" means
        # "until the connection closes", which is the same test of the client.
        chunked = self.request_version != "HTTP/1.0"
        self.send_response(200)
        self.send_header("Content-Type", fault.options.get("content_type", _HTML))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
        self._end_headers(last=not self._with_body)
        if self._with_body:
            self._stream(size, chunked=chunked)

    def _fault_drop(self, fault: _Fault, target: str) -> None:
        self.close_connection = True

    # -- helpers ---------------------------------------------------------------------

    def _stream(self, size: int, *, chunked: bool) -> None:
        stopping = self.server.web._stopping
        remaining = size
        while remaining > 0:
            if stopping.is_set():
                self.close_connection = True
                return
            piece = _FILLER[: min(remaining, len(_FILLER))]
            remaining -= len(piece)
            if chunked:
                frame = b"%x\r\n" % len(piece) + piece + b"\r\n"
                self._write(frame, len(piece), last=False)
            else:
                self._write(piece, len(piece), last=remaining == 0)
        if chunked:
            self._write(b"0\r\n\r\n", 0, last=True)

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False as soon as the server stops or the client hangs up."""
        stopping = self.server.web._stopping
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            if stopping.wait(min(remaining, _POLL_SECONDS)):
                return False
            if _peer_closed(self.connection):
                return False
        return True


def _peer_closed(sock: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        # Readable with nothing to peek at means EOF; pipelined bytes mean still there.
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _origin_form(request_target: str) -> str:
    # Proxy-style absolute-form targets are logged and routed like origin-form ones.
    if request_target.startswith(("http://", "https://")):
        parts = urlsplit(request_target)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return request_target


def _check_path(path: str) -> None:
    if not path.startswith("/"):
        raise ValueError(f"path must start with '/': {path!r}")


def _charset(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "charset" and value:
            return value.strip().strip('"')
    return "utf-8"


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"
