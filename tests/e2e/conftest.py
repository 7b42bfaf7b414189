"""End-to-end fixtures: the app served on loopback by a real server, and headless Chromium."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from integrations.registry.simulator import run_in_thread
from tests.integration.conftest import app, client, database_url, runner  # noqa: F401

CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def live_url(app) -> Iterator[str]:  # noqa: ANN001, F811
    """Serve the test app over HTTP on a free loopback port."""
    url, stop = run_in_thread(app)
    yield url
    stop()


@pytest.fixture
def browser() -> Iterator[object]:
    """A headless Chromium driven through Debian's chromedriver."""
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("chromium and chromium-driver (Debian) are not installed: run `make test`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    profile = tempfile.mkdtemp(prefix="echallan-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1200,1600",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
