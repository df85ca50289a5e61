"""The running embedded stack (as `make run` starts it) and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gas_tools.devstack import Stack, StackSettings
from tests.integration.conftest import free_base

CHROMIUM = os.environ.get("GAS_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags chromium keeps dialling Google, which this network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(os.environ.get("GAS_TEST_OUTPUT", "test-output")) / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium; `make test` does it where it can)")
    os.environ["GAS_FREE_RETENTION_SECONDS"] = "600"  # long enough to see the countdown, not the archive
    settings = StackSettings(port_base=free_base(), prefix=f"b{uuid.uuid4().hex[:8]}",
                             run_dir=tmp_path_factory.mktemp("stack"))
    running = Stack(settings)
    try:
        running.start()
    except BaseException:
        running.stop(grace=5)
        raise
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser(stack: Stack) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
