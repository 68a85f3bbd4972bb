"""Log in to a running instance and screenshot the main pages at tablet and phone sizes."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
USER, PASSWORD = "admin", "tekotaulu-demo"
SIZES = ((1024, 768), (768, 1024), (390, 844))
PAGES = (("board", "/"), ("new", "/deeds/new"), ("deed", "/deeds/1"), ("missing", "/nope"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main() -> None:
    """Take one full-page PNG per page and size."""
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width, height in SIZES:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(BASE + "/login")
            page.screenshot(path=OUT / f"login-{width}x{height}.png")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            for name, path in PAGES:
                page.goto(BASE + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=OUT / f"{name}-{width}x{height}.png")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
