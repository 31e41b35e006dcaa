"""Helpers of the browser tests (Debian's chromium driven by Playwright): ports, flags, sign-in, screenshots."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("JOBMATCH_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(browser, url: str, user: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(180_000)  # a loaded 2-core machine can take this long for the first models load
    page.goto(url)
    page.get_by_label("Bruger").fill(user)
    page.get_by_label("Adgangskode").fill("demo")
    page.get_by_role("button", name="Log ind").click()
    page.get_by_text("(demo)").first.wait_for()
    return page


def settled_count(locator, settle_s: float = 1.5, timeout_s: float = 120.0) -> int:  # type: ignore[no-untyped-def]
    """How many elements ``locator`` matches once the page has stopped adding them: Streamlit draws a list
    card by card, so a count taken as the first card appears can be short of the whole list."""
    deadline = time.monotonic() + timeout_s
    last, since = locator.count(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = locator.count()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle_s:
            return int(now)
    raise AssertionError(f"{locator} kept changing for {timeout_s:.0f} s (last count {last})")


def commit(page, field, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type into a Streamlit text field and let the app take the value in before the next click: the field
    sends its value when it loses focus, which reruns the page, and a click that lands during that rerun
    can hit a button being redrawn and be lost (the page then waits for an answer that never comes)."""
    field.fill(text)
    field.press("Tab")
    idle(page)


def choose(page, label: str, option: str, *, exact: bool = False, attempts: int = 5) -> None:  # type: ignore[no-untyped-def]
    """Pick ``option`` in the select box ``label``. A rerun that starts late (a loaded machine) redraws the
    box and closes its open list before the option is clicked; then wait for the app and open it again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # where the browser fixture is

    for attempt in range(attempts):
        idle(page)
        page.get_by_label(label).click()
        try:
            page.get_by_text(option, exact=exact).click(timeout=20_000)
            return
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise


def idle(page, timeout_ms: float = 180_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app is not running a rerun (Streamlit shows its running icon while it is)."""
    page.wait_for_timeout(300)  # a rerun the last action asked for has begun by now
    page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for(state="detached", timeout=timeout_ms)
