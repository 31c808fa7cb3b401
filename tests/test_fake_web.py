"""Tests for the FixtureWeb loopback server, exercised over real HTTP with the stdlib clients."""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tests.fakes.web import FixtureWeb

MB = 1024 * 1024


@pytest.fixture
def web() -> Iterator[FixtureWeb]:
    with FixtureWeb() as server:
        yield server
    assert server.errors == []


def connect(web: FixtureWeb, timeout: float = 5.0) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", web.port, timeout=timeout)


def get(
    web: FixtureWeb, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = connect(web)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


# -- pages ---------------------------------------------------------------------------


def test_serves_page_and_records_request(web: FixtureWeb) -> None:
    web.page("/a", "<p>héllo</p>")
    request = urllib.request.Request(web.url("/a"), headers={"User-Agent": "mediamon-test/1"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        body = response.read()
    assert body == "<p>héllo</p>".encode()
    assert web.base_url == f"http://127.0.0.1:{web.port}"
    assert web.url("/a") == web.base_url + "/a"

    web.wait_idle()
    [record] = web.requests
    assert (record.method, record.path, record.status) == ("GET", "/a", 200)
    assert record.bytes_sent == len(body)
    assert record.headers["user-agent"] == "mediamon-test/1"
    assert record.headers["host"] == web.netloc()
    assert web.total_bytes_sent() == len(body)


def test_unknown_path_head_and_remove(web: FixtureWeb) -> None:
    assert get(web, "/nope")[0] == 404
    web.page("/b", "body")
    status, headers, body = get(web, "/b", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == "4"
    web.remove("/b")
    assert get(web, "/b")[0] == 404
    web.wait_idle()
    assert web.statuses("/b") == [200, 404]
    head, missing = (r.bytes_sent for r in web.requests if r.path == "/b")
    assert head == 0 and missing > 0


def test_page_status_and_extra_headers(web: FixtureWeb) -> None:
    web.page("/gone", "gone", status=410, headers={"Cache-Control": "no-store"})
    status, headers, body = get(web, "/gone")
    assert (status, body, headers["Cache-Control"]) == (410, b"gone", "no-store")


def test_query_falls_back_to_bare_path_and_counts(web: FixtureWeb) -> None:
    web.page("/list", "all")
    web.page("/list?page=2", "second")
    assert get(web, "/list?page=1")[2] == b"all"
    assert get(web, "/list?page=2")[2] == b"second"
    assert web.hits("/list") == 0
    assert web.hits("/list?page=1") == 1
    assert web.hits("/list", ignore_query=True) == 2
    assert web.statuses("/list", ignore_query=True) == [200, 200]
    web.reset_log()
    assert web.requests == []
    assert web.max_concurrent == {}


def test_keep_alive_connection_survives_every_kind_of_answer(web: FixtureWeb) -> None:
    # One connection reused for all of these only works if each answer is framed right.
    web.page("/p", "page")
    web.fault("/e", "status", status=500)
    web.fault("/r", "redirect_loop")
    etag = get(web, "/p")[1]["ETag"]
    conn = connect(web)
    try:
        for method, path, headers, expected in [
            ("GET", "/p", {}, (200, b"page")),
            ("GET", "/missing", {}, (404, None)),
            ("HEAD", "/p", {}, (200, b"")),
            ("GET", "/p", {"If-None-Match": etag}, (304, b"")),
            ("GET", "/e", {}, (500, None)),
            ("GET", "/r", {}, (302, None)),
            ("GET", "/p", {}, (200, b"page")),
        ]:
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            assert response.status == expected[0]
            if expected[1] is not None:
                assert body == expected[1]
    finally:
        conn.close()


# -- conditional GET -----------------------------------------------------------------


def test_etag_revalidation(web: FixtureWeb) -> None:
    web.page("/a", "v1")
    status, headers, _ = get(web, "/a")
    etag = headers["ETag"]
    assert status == 200 and etag.startswith('"') and etag.endswith('"')

    status, headers, body = get(web, "/a", {"If-None-Match": etag})
    assert (status, body, headers["ETag"]) == (304, b"", etag)
    assert get(web, "/a", {"If-None-Match": f'"other", W/{etag}'})[0] == 304
    assert get(web, "/a", {"If-None-Match": '"stale"'})[0] == 200

    web.page("/a", "v2")
    status, headers, body = get(web, "/a", {"If-None-Match": etag})
    assert (status, body) == (200, b"v2")
    assert headers["ETag"] != etag

    web.page("/plain", "x", etag=False)
    status, headers, _ = get(web, "/plain", {"If-None-Match": "*"})
    assert status == 200 and "ETag" not in headers


def test_last_modified_revalidation(web: FixtureWeb) -> None:
    stamp = datetime(2024, 5, 1, 12, 0, 0, 500, tzinfo=UTC)
    web.page("/a", "body", last_modified=stamp, etag=False)
    status, headers, _ = get(web, "/a")
    assert status == 200
    assert headers["Last-Modified"] == "Wed, 01 May 2024 12:00:00 GMT"

    def with_ims(moment: datetime) -> int:
        return get(web, "/a", {"If-Modified-Since": format_datetime(moment, usegmt=True)})[0]

    assert with_ims(stamp.replace(microsecond=0)) == 304
    assert with_ims(stamp + timedelta(days=1)) == 304
    assert with_ims(stamp - timedelta(seconds=1)) == 200
    assert get(web, "/a", {"If-Modified-Since": "not a date"})[0] == 200


def test_robots_default_404_then_served(web: FixtureWeb) -> None:
    assert get(web, "/robots.txt")[0] == 404
    web.robots("User-agent: *\nDisallow: /private\n")
    status, headers, body = get(web, "/robots.txt")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    assert body == b"User-agent: *\nDisallow: /private\n"


# -- faults --------------------------------------------------------------------------


def test_status_fault(web: FixtureWeb) -> None:
    web.fault("/down", "status", status=503, headers={"Retry-After": "1"})
    for _ in range(2):
        status, headers, body = get(web, "/down")
        assert status == 503 and headers["Retry-After"] == "1" and b"503" in body
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(web.url("/down"), timeout=5)
    assert caught.value.code == 503
    caught.value.close()
    web.wait_idle()
    assert web.statuses("/down") == [503, 503, 503]


def test_flaky_fault_fails_then_recovers(web: FixtureWeb) -> None:
    web.fault("/f", "flaky", failures=2, body="finally")
    answers = [get(web, "/f")[::2] for _ in range(4)]
    assert [status for status, _ in answers] == [503, 503, 200, 200]
    assert answers[-1][1] == b"finally"


def test_slow_fault_times_client_out_without_blocking_others(web: FixtureWeb) -> None:
    web.fault("/slow", "slow", seconds=5)
    web.page("/fast", "fast")
    conn = connect(web, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        conn.request("GET", "/slow")
        conn.getresponse()
    assert time.monotonic() - started < 1

    # The slow handler is still parked; a second request must not queue behind it.
    assert get(web, "/fast")[0] == 200

    conn.close()
    # Closing the client ends the server's wait early instead of after 5 s.
    assert web.wait_idle(timeout=1)
    assert web.statuses("/slow") == [0]


def test_slow_fault_answers_after_delay(web: FixtureWeb) -> None:
    web.fault("/slow", "slow", seconds=0.2, body="late")
    started = time.monotonic()
    status, _, body = get(web, "/slow")
    assert (status, body) == (200, b"late")
    assert time.monotonic() - started >= 0.2


def test_redirect_loop_never_ends(web: FixtureWeb) -> None:
    web.fault("/loop", "redirect_loop")
    path = "/loop"
    for hop in range(1, 6):
        status, headers, _ = get(web, path)
        assert status == 302
        assert headers["Location"] == web.url(f"/loop?hop={hop}")
        path = f"/loop?hop={hop}"
    assert web.hits("/loop", ignore_query=True) == 5

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(web.url("/loop"), timeout=5)
    assert caught.value.code == 302
    caught.value.close()


def test_redirect_loop_between_two_paths(web: FixtureWeb) -> None:
    web.fault("/a", "redirect_loop", to="/b", status=301)
    status, headers, _ = get(web, "/a")
    assert (status, headers["Location"]) == (301, web.url("/b"))
    status, headers, _ = get(web, "/b")
    assert (status, headers["Location"]) == (301, web.url("/a"))


def test_huge_body_with_content_length(web: FixtureWeb) -> None:
    web.fault("/huge", "huge", bytes=12 * MB)
    conn = connect(web)
    conn.request("GET", "/huge")
    response = conn.getresponse()
    assert response.status == 200
    assert response.headers["Content-Length"] == str(12 * MB)
    assert len(response.read()) == 12 * MB
    # Still usable afterwards: the length was exact.
    web.page("/after", "ok")
    conn.request("GET", "/after")
    assert conn.getresponse().read() == b"ok"
    conn.close()
    web.wait_idle()
    assert web.requests[0].bytes_sent == 12 * MB


def test_huge_head_sends_length_only(web: FixtureWeb) -> None:
    web.fault("/huge", "huge", bytes=12 * MB)
    status, headers, body = get(web, "/huge", method="HEAD")
    assert (status, headers["Content-Length"], body) == (200, str(12 * MB), b"")
    web.wait_idle()
    assert web.requests[0].bytes_sent == 0


def test_huge_chunked_body_has_no_content_length(web: FixtureWeb) -> None:
    web.fault("/huge", "huge_chunked", bytes=12 * MB + 7)
    conn = connect(web)
    conn.request("GET", "/huge")
    response = conn.getresponse()
    assert response.status == 200
    assert response.headers["Content-Length"] is None
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert len(response.read()) == 12 * MB + 7
    conn.close()


@pytest.mark.parametrize("kind", ["huge", "huge_chunked"])
def test_huge_body_tolerates_client_abort(web: FixtureWeb, kind: str) -> None:
    web.fault("/huge", kind, bytes=64 * MB)
    conn = connect(web)
    conn.request("GET", "/huge")
    response = conn.getresponse()
    response.read(100_000)
    response.close()
    conn.close()
    assert web.wait_idle(timeout=2)
    [record] = web.requests
    assert record.status == 200
    assert 100_000 <= record.bytes_sent < 64 * MB
    web.page("/after", "ok")
    assert get(web, "/after")[0] == 200


def test_drop_closes_without_answer(web: FixtureWeb) -> None:
    web.fault("/drop", "drop")
    with pytest.raises(http.client.RemoteDisconnected):
        get(web, "/drop")
    web.wait_idle()
    assert web.statuses("/drop") == [0]


def test_fault_rejects_bad_options(web: FixtureWeb) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        web.fault("/x", "explode")
    with pytest.raises(ValueError, match="missing"):
        web.fault("/x", "status")
    with pytest.raises(ValueError, match="unknown"):
        web.fault("/x", "slow", seconds=1, sconds=2)
    with pytest.raises(ValueError):
        web.page("no-slash", "x")
    with pytest.raises(ValueError, match="frames bodies itself"):
        web.page("/x", "x", headers={"Content-Length": "99"})


def test_page_replaces_fault(web: FixtureWeb) -> None:
    web.fault("/x", "status", status=500)
    web.page("/x", "back")
    assert get(web, "/x")[0] == 200


# -- concurrency and hosts -----------------------------------------------------------


def test_max_concurrent_counts_parallel_requests_per_host(web: FixtureWeb) -> None:
    web.fault("/slow", "slow", seconds=0.3)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(get(web, "/slow")[0])) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert results == [200, 200, 200]
    assert web.max_concurrent == {web.netloc(): 3}


def test_host_names_are_told_apart(web: FixtureWeb) -> None:
    web.page("/a", "a")
    with urllib.request.urlopen(web.url("/a", host="localhost"), timeout=5) as response:
        assert response.read() == b"a"
    with urllib.request.urlopen(web.url("/a"), timeout=5) as response:
        assert response.read() == b"a"
    web.wait_idle()
    assert web.max_concurrent == {web.netloc("localhost"): 1, web.netloc(): 1}
    assert [r.headers["host"] for r in web.requests] == [web.netloc("localhost"), web.netloc()]


def test_reset_log_while_request_in_flight(web: FixtureWeb) -> None:
    web.fault("/slow", "slow", seconds=0.2)
    thread = threading.Thread(target=get, args=(web, "/slow"))
    thread.start()
    deadline = time.monotonic() + 2
    while web.hits("/slow") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    web.reset_log()
    assert web.max_concurrent == {web.netloc(): 1}
    thread.join(timeout=2)
    web.page("/after", "ok")
    get(web, "/after")
    web.wait_idle()
    assert [(r.path, r.status) for r in web.requests] == [("/after", 200)]


# -- lifecycle -----------------------------------------------------------------------


def test_stop_is_prompt_with_slow_request_in_flight() -> None:
    web = FixtureWeb().start()
    web.fault("/slow", "slow", seconds=30)
    outcome: list[object] = []

    def fetch() -> None:
        try:
            outcome.append(get(web, "/slow")[0])
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=fetch)
    thread.start()
    deadline = time.monotonic() + 2
    while web.hits("/slow") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert web.hits("/slow") == 1

    started = time.monotonic()
    web.stop()
    assert time.monotonic() - started < 1
    thread.join(timeout=2)
    assert not thread.is_alive()
    assert outcome and not isinstance(outcome[0], int)
    web.stop()  # idempotent

    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", web.port), timeout=1):
        pass
