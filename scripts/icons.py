"""Render the app icons (PNG sizes for the web app manifest and iOS) from static/icons/icon.svg.

Usage: .venv/bin/python scripts/icons.py — uses Debian's headless Chromium through Playwright, so
the PNGs look exactly as browsers draw the SVG. Commit the PNGs it writes.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BACKGROUND = "#1d4e6b"  # the icon's own lake blue (--lake in app.css)
# name, side in px, share of the side the artwork takes (a maskable icon's safe zone is 80 %)
TARGETS = (
    ("icon-192.png", 192, 1.0),
    ("icon-512.png", 512, 1.0),
    ("icon-maskable-512.png", 512, 0.7),
    ("apple-touch-icon.png", 180, 0.84),
)


def page_for(svg: str, side: int, share: float) -> str:
    """An HTML page that draws the SVG centred on the background at the given share."""
    inner = round(side * share)
    background = BACKGROUND if share < 1 else "transparent"
    sized = svg.replace("<svg ", f'<svg width="{inner}" height="{inner}" ', 1)
    return (
        f"<html><body style='margin:0;width:{side}px;height:{side}px;background:{background};"
        f"display:flex;align-items:center;justify-content:center'>"
        f"<div style='width:{inner}px;height:{inner}px'>"
        f"{sized}</div></body></html>"
    )


def main() -> None:
    """Write every target PNG next to the SVG."""
    svg = (ICONS / "icon.svg").read_text(encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, side, share in TARGETS:
            page = browser.new_page(viewport={"width": side, "height": side})
            page.set_content(page_for(svg, side, share))
            page.screenshot(path=str(ICONS / name), omit_background=share >= 1)
            page.close()
            print(f"{name}: {side}x{side}")
        browser.close()


if __name__ == "__main__":
    main()
