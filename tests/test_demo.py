"""`mediamon demo` works with no network at all and shows the product doing its job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_names_the_diverging_event_and_both_sides_positions() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIAMON_", "TELEGRAM_"))}
    # no route anywhere but loopback: a proxy pointing nowhere makes any outside request fail
    env.update(
        http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9", no_proxy="127.0.0.1"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mediamon", "--config", str(ROOT / "config.yaml"), "demo"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2023-12-10  call    Benjamin Netanyahu, Vladimir Putin  [DIVERGING]" in out
    assert "[agree]" in out
    assert "Only Israel: Iran, UN votes and positions" in out
    assert "Only Russia: the humanitarian situation" in out
    assert "== the digest a subscriber receives" in out and "mediamon digest: 1 diverging" in out
    for chrome in ("Subscribe", "per year", "Skip to main content", "cookies"):
        assert chrome not in out
    assert out.strip().splitlines()[-1] == "demo: 12 pages crawled, 2 contact events, 1 diverging"
