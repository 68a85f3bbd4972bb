"""Benchmark photo processing (QUALITY.md P1, P2): run by hand, `.venv/bin/python bench/images.py`.

P1 compares, inside one run, the project's pipeline (the app's default rendition sizes and the
placeholder) with a bare full decode of the same JPEG and with the obvious pipeline (full
decode, orient, LANCZOS per size, WebP defaults). The input is generated (tests/imagegen.py:
gradients, objects, texture, grain; ~4 MB at quality 90; EXIF orientation 6). P1 is counted in
CPU time (a worker serving several uploads pays CPU, not wall time); wall time is shown too.
P2 measures the peak RSS above baseline of each worst case in a fresh subprocess, alone and
four at once on one worker's threads (tests/memory_probe.py), because Pillow's, libheif's
and libwebp's pixel buffers are not visible to tracemalloc. The last line is the P1 ratio.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pillow_heif  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from app import images  # noqa: E402
from app.config import defaults  # noqa: E402
from app.images import process_image  # noqa: E402
from tests import imagegen  # noqa: E402
from tests.memory_probe import measure  # noqa: E402

RUNS = 15
P1_SIZE = (4032, 3024)  # 12 MP, stored landscape with orientation 6, as phones do
SIZES = defaults()["RENDITION_SIZES"]  # what the app stores for every upload
RATIO_BAR, SPEEDUP_BAR, ONE_MB, FOUR_MB = 2.5, 2.5, 200, 500


def main() -> None:
    """Print timings, quality and memory figures; the P1 CPU ratio last."""
    photo = imagegen.photo_like(*P1_SIZE, orientation=6)
    print(f"input: {P1_SIZE[0]}x{P1_SIZE[1]} JPEG, orientation 6, {len(photo) / 1e6:.2f} MB")
    print(f"renditions: {', '.join(f'{name} {side}' for name, side in SIZES)} + placeholder")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    candidates = {
        "decode": bare_decode,
        "project": process_once,
        "project, 2 threads": process_two_threads,
        "naive": naive_pipeline,
    }
    wall, cpu = interleaved_medians(candidates, photo)
    for name in candidates:
        print(f"{name:>17}: {wall[name] * 1000:6.1f} ms wall, {cpu[name] * 1000:6.1f} ms CPU")
    print(f"(medians of {RUNS} interleaved runs; load average after: {os.getloadavg()[0]:.2f})")
    print(f"wall-time ratio vs decode: {wall['project'] / wall['decode']:.2f}")
    db = quality_db(photo)
    print(f"large rendition PSNR vs full decode + LANCZOS: {db:.2f} dB (bar >= 35)")
    print_memory()
    ratio, speedup = cpu["project"] / cpu["decode"], cpu["naive"] / cpu["project"]
    met = ratio <= RATIO_BAR and speedup >= SPEEDUP_BAR and db >= 35
    print(f"P1 bars (CPU): ratio <= {RATIO_BAR}, speedup >= {SPEEDUP_BAR}, PSNR >= 35: "
          f"{'met' if met else 'NOT met'}")
    print(f"speedup_vs_naive={speedup:.2f}")
    print(f"cpu_ratio_vs_decode={ratio:.2f}")


def bare_decode(data: bytes) -> None:
    """Decode the JPEG at full size and nothing else: the yardstick."""
    Image.open(io.BytesIO(data)).load()


def process_once(data: bytes) -> None:
    """Run the project's pipeline with the app's default sizes."""
    process_image(io.BytesIO(data), SIZES)


def process_two_threads(data: bytes) -> None:
    """Run the project's pipeline with the big resize and encode shared with a second thread."""
    images.PARALLEL = True
    try:
        process_image(io.BytesIO(data), SIZES)
    finally:
        images.PARALLEL = False


def naive_pipeline(data: bytes) -> None:
    """Full decode, orient, LANCZOS from the full image per size, WebP with default settings."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    for _name, long_side in SIZES:
        scale = min(1.0, long_side / max(image.size))
        size = (round(image.width * scale), round(image.height * scale))
        image.resize(size, Image.Resampling.LANCZOS).save(io.BytesIO(), "WEBP")


def interleaved_medians(
    candidates: dict[str, Callable[[bytes], None]], data: bytes
) -> tuple[dict[str, float], dict[str, float]]:
    """Return median wall and CPU seconds per candidate, run round-robin so drift hits all alike."""
    wall: dict[str, list[float]] = {name: [] for name in candidates}
    cpu: dict[str, list[float]] = {name: [] for name in candidates}
    for run in candidates.values():
        run(data)  # warm-up: imports, codec tables, page faults
    for _ in range(RUNS):
        for name, run in candidates.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            run(data)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return _medians(wall), _medians(cpu)


def _medians(samples: dict[str, list[float]]) -> dict[str, float]:
    """Return the median of each list."""
    return {name: statistics.median(times) for name, times in samples.items()}


def quality_db(data: bytes) -> float:
    """Return the PSNR of the large rendition against a full decode + LANCZOS reference."""
    large = process_image(io.BytesIO(data), SIZES).renditions[0]
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    reference = reference.resize((large.width, large.height), Image.Resampling.LANCZOS)
    return imagegen.psnr(Image.open(io.BytesIO(large.data)), reference)


def worst_cases() -> dict[str, bytes]:
    """Return the P2 worst cases: tiny files with many pixels, and real-sized camera pictures."""
    print("making the P2 inputs (HEVC encodes take a while)...", flush=True)
    pillow_heif.options.GRID_TILE_SIZE = 512  # phones store big HEICs as 512 px tiles
    try:
        return {
            "7000x7000 lossless RGBA WebP": imagegen.flat(
                "RGBA", (7000, 7000), "WEBP", lossless=True
            ),
            "3264x2448 lossless RGBA WebP": imagegen.flat(
                "RGBA", (3264, 2448), "WEBP", lossless=True
            ),
            "7000x7000 RGBA PNG": imagegen.flat("RGBA", (7000, 7000), "PNG"),
            "6000x6000 RGBA PNG": imagegen.flat("RGBA", (6000, 6000), "PNG"),
            "7000x7000 16-bit grey PNG": imagegen.flat("I;16", (7000, 7000), "PNG"),
            "7000x7000 GIF": imagegen.flat("L", (7000, 7000), "GIF"),
            "12 MP HEIC (photo)": imagegen.encode(
                imagegen.photo_pixels(*P1_SIZE), "HEIF", quality=85
            ),
            "12 MP 10-bit 4:2:2 HEIC": imagegen.heic_hdr(*P1_SIZE),
            "24 MP HEIC": imagegen.flat("RGB", (5712, 4284), "HEIF", quality=60),
            "24 MP 8-bit 4:2:2 HEIC": imagegen.flat(
                "RGB", (5712, 4284), "HEIF", quality=60, chroma=422
            ),
            "48 MP HEIC": imagegen.flat("RGB", (8064, 6048), "HEIF", quality=60),
            "12 MP RGBA AVIF": imagegen.flat("RGBA", (4000, 3000), "AVIF", quality=60, speed=10),
            "48 MP JPEG (photo)": imagegen.photo_like(8000, 6000, orientation=6),
            "48 MP progressive JPEG": imagegen.flat(
                "RGB", (8000, 6000), "JPEG", quality=90, progressive=True
            ),
            "48 MP progressive 4:4:4 JPEG": imagegen.flat(
                "RGB", (8000, 6000), "JPEG", quality=90, progressive=True, subsampling=0
            ),
            "48 MP CMYK JPEG": imagegen.flat("CMYK", (8000, 6000), "JPEG", quality=90),
        }
    finally:
        pillow_heif.options.GRID_TILE_SIZE = 0


def print_memory() -> None:
    """Print the peak RSS above baseline of each worst case alone, and of four at once (P2)."""
    cases = worst_cases()
    with tempfile.TemporaryDirectory() as folder:
        worst_one = 0.0
        for name, data in cases.items():
            peak = measure([data], Path(folder))
            worst_one = max(worst_one, peak.megabytes)
            print(f"peak memory, {name} ({len(data) / 1e6:.2f} MB file, {peak.outcomes[0]}): "
                  f"{peak.megabytes:.0f} MB")
        print(f"P2 one upload: worst {worst_one:.0f} MB (bar < {ONE_MB})")
        worst_four = 0.0
        for name in ("6000x6000 RGBA PNG", "12 MP 10-bit 4:2:2 HEIC", "24 MP HEIC"):
            peak = measure([cases[name]] * 4, Path(folder))
            worst_four = max(worst_four, peak.megabytes)
            print(f"peak memory, four {name} at once: {peak.megabytes:.0f} MB {peak.outcomes}")
        mixed = ["6000x6000 RGBA PNG", "12 MP 10-bit 4:2:2 HEIC", "12 MP RGBA AVIF",
                 "48 MP progressive JPEG"]
        peak = measure([cases[name] for name in mixed], Path(folder))
        worst_four = max(worst_four, peak.megabytes)
        print(f"peak memory, four at once ({', '.join(mixed)}): {peak.megabytes:.0f} MB")
        print(f"P2 four at once, two decode slots: worst {worst_four:.0f} MB (bar < {FOUR_MB})")


if __name__ == "__main__":
    main()
