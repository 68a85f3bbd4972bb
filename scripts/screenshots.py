"""Log in to a running demo instance and screenshot the main pages at tablet and phone sizes.

Usage: screenshots.py [BASE_URL] [OUT_FOLDER] [LOGINS_FILE]; the employee's password is read from
the demo logins file `flask demo` wrote (instance/demo-logins.txt by default).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
LOGINS = Path(sys.argv[3] if len(sys.argv) > 3 else Path(__file__).parent.parent / "instance"
              / "demo-logins.txt")
USER = "vetaja"  # a workshop leader (admins first set up an authenticator app)
SIZES = ((1024, 768), (768, 1024), (390, 844))
PAGES = (("board", "/"), ("new", "/deeds/new"), ("deed", "/deeds/1"), ("missing", "/nope"),
         ("workshops", "/workshops"), ("workshop", "/workshops/2"),
         ("workshop-edit", "/workshops/2/edit"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def demo_password(username: str) -> str:
    """The user's password from the demo logins file (username, password, role per line)."""
    for line in LOGINS.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if not line.startswith("#") and fields[0] == username:
            return fields[1]
    raise SystemExit(f"{username} is not in {LOGINS}")


def main() -> None:
    """Take one full-page PNG per page and size."""
    password = demo_password(USER)
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width, height in SIZES:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(BASE + "/login")
            page.screenshot(path=OUT / f"login-{width}x{height}.png")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            for name, path in PAGES:
                page.goto(BASE + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=OUT / f"{name}-{width}x{height}.png", full_page=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
