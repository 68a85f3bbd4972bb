"""The printable report prints on A4 in Chromium: photos loaded, two cards to a row, no menus."""

import datetime as dt
import re

from tests.browser.test_board_scripts import log_in
from tests.security_support import tiny_jpeg
from tests.test_board import add_deed

REPORT = "/report?from=2026-01-01&to=2026-12-31"
ALL_PHOTOS_LOADED = """() => {
  const photos = Array.from(document.querySelectorAll('.report-cards img'));
  return photos.length > 0 && photos.every(img => img.complete && img.naturalWidth > 0);
}"""


def pdf_title(pdf: bytes) -> str:
    """The document title in the PDF's information dictionary (UTF-16 hex, as Chromium writes)."""
    found = re.search(rb"/Title\s*<FEFF([0-9A-Fa-f]+)>", pdf)
    if found:
        return bytes.fromhex(found.group(1).decode()).decode("utf-16-be")
    found = re.search(rb"/Title\s*\(([^)]*)\)", pdf)
    return found.group(1).decode("latin-1") if found else ""


def test_the_report_prints_to_a4_with_its_photos(app, world, live_server, page):
    """Five deeds with photos: every photo loads before printing, the print layout shows the
    counts and two cards to a row without the site's menus, and the PDF has A4 pages."""
    for day in range(5):
        add_deed(app, world.unit_id, f"Teko numero {day}.", happened_on=dt.date(2026, 3, day + 1),
                 photo=tiny_jpeg(day, size=(320, 240)))
    log_in(page, live_server, "kalle")
    page.goto(live_server + REPORT)
    page.wait_for_function(ALL_PHOTOS_LOADED)
    assert page.locator(".report-cards .card").count() == 5
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".report-tools").is_hidden()
    assert page.get_by_role("heading", name="Tekotaulu: raportti").is_visible()
    assert page.get_by_text("Aikaväli 1.1.2026–31.12.2026").first.is_visible()
    assert page.locator("caption", has_text="Teot kunnittain").is_visible()
    boxes = [page.locator(".report-cards .card").nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"], "two to a row"
    assert boxes[2]["y"] > boxes[0]["y"] and boxes[2]["x"] == boxes[0]["x"]

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
    assert len(pages) >= 2, "the counts and charts, then the deeds"
    sizes = {tuple(round(float(n)) for n in box.split()[2:])
             for box in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)}
    assert sizes == {(595, 842)}, "A4 in points"
    assert pdf_title(pdf).startswith("Raportti")
