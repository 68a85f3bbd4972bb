"""Real-browser fixtures: the app served on 127.0.0.1 and Debian's headless Chromium."""

import gc
import os
import shutil
import threading
import warnings

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_missing() -> str | None:
    """Return why browser tests cannot run here, or None."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python package 'playwright' is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; skipped (never in CI) when it is missing."""
    reason = chromium_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # shutdown() waits for the loop to look at its flag: every 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    # The development server skips closing a response when the browser drops the connection
    # mid-way (its cleanup reads the closed socket first): collect that file here, quietly,
    # rather than let the garbage collector warn about it during some later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) at tablet size, 1024x768."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fi-FI")
    page = context.new_page()
    yield page
    context.close()
