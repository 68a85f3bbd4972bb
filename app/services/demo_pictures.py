"""Simple still-life pictures for demo deeds, drawn with Pillow (no downloads, no people)."""

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter

Box = tuple[int, int, int, int]
WALLS = ((236, 228, 214), (214, 226, 232), (238, 232, 208), (226, 234, 222))
TABLES = ((176, 128, 84), (200, 170, 130), (120, 150, 170), (236, 236, 236))


def picture(rng: random.Random, theme: str) -> bytes:
    """Draw a soft still life for the theme and return it as JPEG bytes."""
    width, height = rng.choice(((1600, 1200), (1200, 1600), (1600, 1067), (1400, 1400)))
    image = Image.new("RGB", (width, height), rng.choice(WALLS))
    draw = ImageDraw.Draw(image)
    if theme == "road":
        _road(draw, width, height, rng)
    else:
        horizon = int(height * rng.uniform(0.38, 0.5))
        _table(draw, width, height, horizon, rng)
        DRAWERS.get(theme, _plate)(draw, _stage(width, height, horizon), rng)
    image = image.filter(ImageFilter.GaussianBlur(2))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _stage(width: int, height: int, horizon: int) -> Box:
    """The part of the table where the object stands."""
    return (width // 6, horizon - height // 6, width * 5 // 6, height - height // 10)


def _table(draw: ImageDraw.ImageDraw, width: int, height: int, horizon: int, rng) -> None:
    """A table top with a few grain lines or a checked cloth."""
    colour = rng.choice(TABLES)
    draw.rectangle((0, horizon, width, height), fill=colour)
    darker = tuple(max(0, c - 25) for c in colour)
    for y in range(horizon + 30, height, rng.randint(40, 90)):
        draw.line((0, y, width, y + rng.randint(-10, 10)), fill=darker, width=3)


def _shadow(draw, box: Box) -> None:
    """A soft grey ellipse under an object."""
    x0, y0, x1, y1 = box
    draw.ellipse((x0 + 20, y1 - (y1 - y0) // 5, x1 + 20, y1 + (y1 - y0) // 10), fill=(90, 80, 70))


def _plate_at(draw, box: Box) -> tuple[int, int, int, int]:
    """Draw a white plate in the lower part of the box; return its inner area."""
    x0, y0, x1, y1 = box
    top = y0 + (y1 - y0) // 3
    _shadow(draw, (x0, top, x1, y1))
    draw.ellipse((x0, top, x1, y1), fill=(246, 246, 242), outline=(205, 205, 200), width=6)
    pad_x, pad_y = (x1 - x0) // 6, (y1 - top) // 6
    return (x0 + pad_x, top + pad_y, x1 - pad_x, y1 - pad_y)


def _bun(draw, box: Box, rng) -> None:
    """A birthday bun with pearl sugar on a plate."""
    x0, y0, x1, y1 = _plate_at(draw, box)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    rx, ry = (x1 - x0) // 3, (y1 - y0) // 2
    draw.ellipse((cx - rx, cy - ry * 2, cx + rx, cy + ry // 2), fill=(184, 112, 50))
    draw.ellipse((cx - rx // 2, cy - ry * 2 + 20, cx + rx // 3, cy - ry), fill=(214, 150, 82))
    for _ in range(40):
        px, py = rng.randint(cx - rx + 20, cx + rx - 20), rng.randint(cy - ry * 2 + 20, cy)
        draw.ellipse((px, py, px + 10, py + 8), fill=(252, 252, 248))


def _plate(draw, box: Box, rng) -> None:
    """Meatballs and mash on a plate."""
    x0, y0, x1, y1 = _plate_at(draw, box)
    draw.ellipse((x0, y0, (x0 + x1) // 2, y1), fill=(250, 236, 190))
    for _ in range(7):
        r = (x1 - x0) // 12
        px, py = rng.randint((x0 + x1) // 2, x1 - r), rng.randint(y0 + r, y1 - r)
        draw.ellipse((px - r, py - r, px + r, py + r), fill=(122, 70, 40))
    draw.ellipse((x1 - (x1 - x0) // 4, y0, x1, y0 + (y1 - y0) // 3), fill=(200, 30, 50))


def _berries(draw, box: Box, rng) -> None:
    """A bowl of strawberries."""
    x0, y0, x1, y1 = box
    top = y0 + (y1 - y0) // 3
    _shadow(draw, (x0, top, x1, y1))
    for _ in range(30):
        r = (x1 - x0) // 16
        px, py = rng.randint(x0 + r * 2, x1 - r * 2), rng.randint(top - r, top + r * 2)
        draw.ellipse((px - r, py - r, px + r, py + r), fill=(210, 30, 45))
        draw.polygon([(px - r // 2, py - r), (px, py - r - r // 2), (px + r // 2, py - r)],
                     fill=(60, 140, 60))
    draw.chord((x0, top - (y1 - top) // 2, x1, y1), 0, 180, fill=(70, 120, 170))


def _flowers(draw, box: Box, rng) -> None:
    """Flowers in a glass vase."""
    x0, y0, x1, y1 = box
    cx = (x0 + x1) // 2
    vase = (cx - (x1 - x0) // 10, y0 + (y1 - y0) // 2, cx + (x1 - x0) // 10, y1 - 20)
    for _ in range(9):
        tip = (rng.randint(x0, x1), rng.randint(y0 - (y1 - y0) // 3, y0 + (y1 - y0) // 4))
        draw.line((cx, vase[1], *tip), fill=(60, 130, 60), width=8)
        r = rng.randint(30, 60)
        colour = rng.choice(((230, 60, 110), (250, 200, 40), (250, 250, 250), (150, 90, 200)))
        draw.ellipse((tip[0] - r, tip[1] - r, tip[0] + r, tip[1] + r), fill=colour)
        draw.ellipse((tip[0] - r // 3, tip[1] - r // 3, tip[0] + r // 3, tip[1] + r // 3),
                     fill=(240, 190, 40))
    draw.rounded_rectangle(vase, radius=30, fill=(170, 205, 220), outline=(120, 160, 180),
                           width=5)


def _bags(draw, box: Box, rng) -> None:
    """Two shopping bags with groceries."""
    x0, y0, x1, y1 = box
    mid = (x0 + x1) // 2
    for left, colour in ((x0 + 20, (110, 150, 80)), (mid + 20, (220, 200, 160))):
        top = y0 + (y1 - y0) // 3
        draw.rectangle((left, top, left + (x1 - x0) // 2 - 60, y1), fill=colour)
        draw.arc((left + 40, top - 120, left + (x1 - x0) // 2 - 100, top + 120), 180, 360,
                 fill=(80, 70, 60), width=10)
        draw.ellipse((left + 30, top - 60, left + 150, top + 40), fill=(240, 170, 40))
        draw.rectangle((left + 170, top - 140, left + 230, top + 10), fill=(250, 250, 250))


def _note(draw, box: Box, rng) -> None:
    """A thank-you note with a heart."""
    x0, y0, x1, y1 = box
    paper = Image.new("RGBA", ((x1 - x0) * 2 // 3, (y1 - y0) * 2 // 3), (255, 252, 235, 255))
    pen = ImageDraw.Draw(paper)
    w, h = paper.size
    for y in range(h // 3, h - 40, 50):
        pen.line((40, y, w - 40, y), fill=(40, 78, 107), width=6)
    pen.polygon([(w // 2, h // 4), (w // 2 - 60, h // 8), (w // 2 + 60, h // 8)],
                fill=(200, 40, 80))
    pen.ellipse((w // 2 - 70, h // 12, w // 2, h // 6), fill=(200, 40, 80))
    pen.ellipse((w // 2, h // 12, w // 2 + 70, h // 6), fill=(200, 40, 80))
    tilted = paper.rotate(rng.uniform(-12, 12), expand=True, fillcolor=(0, 0, 0, 0))
    draw._image.paste(tilted, (x0 + (x1 - x0) // 6, y0 + (y1 - y0) // 6), tilted)


def _road(draw, width: int, height: int, rng) -> None:
    """A country road under a sky, with a small van."""
    horizon = height * 2 // 5
    draw.rectangle((0, 0, width, horizon), fill=(150, 195, 230))
    draw.rectangle((0, horizon, width, height), fill=(90, 150, 70))
    draw.polygon([(width // 2 - 30, horizon), (width // 2 + 30, horizon), (width * 4 // 5, height),
                  (width // 5, height)], fill=(95, 95, 100))
    for y in range(horizon + 40, height, 120):
        draw.line((width // 2, y, width // 2, y + 50), fill=(240, 240, 240), width=8)
    van = (width // 2 - 160, height * 3 // 5, width // 2 + 160, height * 3 // 5 + 170)
    draw.rounded_rectangle(van, radius=30, fill=(245, 245, 245))
    draw.rectangle((van[0] + 30, van[1] + 30, van[2] - 30, van[1] + 80), fill=(60, 90, 120))
    for wheel_x in (van[0] + 60, van[2] - 60):
        draw.ellipse((wheel_x - 35, van[3] - 35, wheel_x + 35, van[3] + 35), fill=(30, 30, 30))


DRAWERS: dict[str, Callable] = {
    "bun": _bun,
    "plate": _plate,
    "berries": _berries,
    "flowers": _flowers,
    "bags": _bags,
    "note": _note,
    "table": _flowers,
}
