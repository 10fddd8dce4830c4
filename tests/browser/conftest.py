"""Debian's Chromium driven by Playwright, against a real server with the built-in demo."""
import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.support import ROOT, TINT, Server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # the stock shaders and one custom effect (it has no CPU twin: the panel shows a GL chain with it)
    shaders = tmp_path_factory.mktemp("shaders") / "shaders"
    shutil.copytree(ROOT / "shaders", shaders)
    (shaders / "tint.glsl").write_text(TINT)
    s = Server("--size", "960x540", log_path=tmp_path_factory.mktemp("logs") / "server.log",
               env={"GAZECAST_SHADERS_DIR": str(shaders)})
    yield s
    s.stop()


def launch(*extra_args):
    """Launch Debian's Chromium headless (a context manager yielding the browser)."""
    import contextlib

    @contextlib.contextmanager
    def running():
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                  args=CHROMIUM_ARGS + list(extra_args))
            yield b
            b.close()
    return running()


@pytest.fixture(scope="module")
def browser():
    with launch() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, errors
