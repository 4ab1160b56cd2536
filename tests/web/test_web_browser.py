"""Browser flow with Playwright driving Debian's Chromium against the app under uvicorn:
two analysts list an account (media blurred until revealed), the public appeals, a lead
upholds. Screenshots of the queue and account pages go to a temporary directory, or to
docs/screenshots/ with VIGIL_UPDATE_SCREENSHOTS=1 (so a CI run leaves the checkout clean)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.web.world import PASSWORD, World

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
UPDATE_SCREENSHOTS = "VIGIL_UPDATE_SCREENSHOTS"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def base_url(app: FastAPI) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Chromium is missing: run scripts/ensure-chromium (make test does)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _page(browser: Browser, base_url: str, violations: list[str]) -> Page:
    page = browser.new_context(
        base_url=base_url, viewport={"width": 1360, "height": 900}
    ).new_page()
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    return page


def _login(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url("/queue")


def _confirm(page: Page, note: str) -> None:
    form = page.locator("#decision-form")
    form.locator("input[value=confirm]").check()
    form.locator("select[name=criterion]").select_option("official_media")
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()


def screenshot_dir(tmp_path: Path) -> Path:
    """docs/screenshots/ only when asked to refresh the committed images, else `tmp_path`."""
    return SCREENSHOTS if os.environ.get(UPDATE_SCREENSHOTS) == "1" else tmp_path


def test_review_and_appeal_in_a_browser(
    browser: Browser, base_url: str, world: World, tmp_path: Path
) -> None:
    shots = screenshot_dir(tmp_path)
    violations: list[str] = []
    ann = _page(browser, base_url, violations)
    _login(ann, "ann")
    expect(ann.locator(".queue-row").first).to_contain_text("evil_one")
    ann.keyboard.press("j")  # keyboard: select the first row, then open it
    expect(ann.locator(".queue-row.selected")).to_have_count(1)
    shots.mkdir(parents=True, exist_ok=True)
    ann.screenshot(path=str(shots / "queue.png"), full_page=True)
    ann.keyboard.press("Enter")
    expect(ann).to_have_url(f"/accounts/{world.target}")

    image = ann.locator(".media img").first
    expect(image).to_be_visible()
    assert "blur" in image.evaluate("e => getComputedStyle(e).filter")
    assert "grayscale" in image.evaluate("e => getComputedStyle(e).filter")
    ann.locator(".media").first.click()
    expect(ann.locator(".media").first).to_have_class("media revealed")
    ann.wait_for_function(
        "e => getComputedStyle(e).filter === 'none'", arg=image.element_handle(), timeout=5000
    )
    assert ann.url.endswith(f"/accounts/{world.target}")  # revealing did not navigate
    ann.screenshot(path=str(shots / "account.png"), full_page=True)
    _confirm(ann, "release from the outlet")
    expect(ann.locator(".notice")).to_contain_text("second reviewer")

    bob = _page(browser, base_url, violations)
    _login(bob, "bob")
    # Ann's confirmation waits at the top of Bob's queue, marked for a second reviewer.
    expect(bob.locator("#awaiting")).to_contain_text("awaiting a second reviewer")
    expect(bob.locator(".queue-row").first).to_contain_text("awaiting second reviewer")
    bob.locator(".queue-row.pending-second a.open").first.click()
    expect(bob.locator("#history")).to_contain_text("Awaiting a second reviewer")
    _confirm(bob, "agree")
    expect(bob.locator(".notice")).to_contain_text("on the blacklist")
    bob.goto("/lists?view=blacklist")
    expect(bob.locator("table.list")).to_contain_text("evil_one")

    public = _page(browser, base_url, violations)
    public.goto("/appeal")
    public.select_option("select[name=platform]", "x")
    public.fill("input[name=account]", "@evil_one")
    public.fill("textarea[name=text]", "This account is a news outlet.")
    submit = public.locator("form[data-pow-bits] button[type=submit]")
    expect(submit).to_be_enabled(timeout=20_000)  # the proof of work is done in the page
    submit.click()
    reference = public.locator(".reference").inner_text()
    assert reference.startswith("APL-")

    lea = _page(browser, base_url, violations)
    _login(lea, "lea")
    lea.goto("/appeals")
    card = lea.locator("section.appeal", has_text=reference)
    card.locator("textarea[name=note]").fill("It is a news outlet.")
    card.locator("button[value=uphold]").click()
    expect(lea.locator("body")).to_contain_text("upheld")
    public.goto(f"/appeal/status?reference={reference}")
    expect(public.locator(".appeal-status")).to_have_text("upheld")
    lea.goto("/lists?view=retracted")
    expect(lea.locator("table.list")).to_contain_text("evil_one")
    # htmx under the strict CSP: a filter swaps the rows and pushes the URL.
    lea.goto("/queue")
    lea.select_option("select[name=band]", "medium")
    expect(lea).to_have_url("/queue?platform=&signal=&band=medium&lang=&sort=score")
    expect(lea.locator(".queue-row")).to_have_count(1)
    expect(lea.locator(".queue-row")).to_contain_text("second")
    assert violations == []


def test_screenshots_stay_out_of_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UPDATE_SCREENSHOTS, raising=False)
    assert screenshot_dir(tmp_path) == tmp_path
    monkeypatch.setenv(UPDATE_SCREENSHOTS, "0")
    assert screenshot_dir(tmp_path) == tmp_path
    monkeypatch.setenv(UPDATE_SCREENSHOTS, "1")
    assert screenshot_dir(tmp_path) == SCREENSHOTS
