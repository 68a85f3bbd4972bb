"""Benchmark photo processing (QUALITY.md P1, P2): run by hand, `.venv/bin/python bench/images.py`.

P1 compares, inside one run, the project's pipeline with a bare full decode of the same JPEG and
with the obvious pipeline (full decode, orient, LANCZOS per size, WebP defaults). The input is
generated (tests/imagegen.py: gradients, objects, texture, grain; ~4 MB at quality 90; EXIF
orientation 6). Wall and CPU time are both shown: the project uses a second thread for the big
resize and the largest encode, which shortens the wait on an idle multi-core host but not the
CPU spent, and helps little while other processes keep the cores busy (see the load average).
P2 measures peak RSS above baseline in a fresh subprocess, because Pillow's pixel buffers are
not visible to tracemalloc. The last two lines are the P1 ratios.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageOps  # noqa: E402

from app import images  # noqa: E402
from app.images import DEFAULT_SIZES, process_image  # noqa: E402
from tests import imagegen  # noqa: E402

RUNS = 15
P1_SIZE = (4032, 3024)  # 12 MP, stored landscape with orientation 6, as phones do
P2_JPEG_SIZE = (8000, 6000)  # 48 MP
RATIO_BAR, SPEEDUP_BAR, MEMORY_BAR_MB = 2.5, 2.5, 150


def main() -> None:
    """Print timings, quality and memory figures; the P1 ratios last."""
    if len(sys.argv) == 2 and sys.argv[1] == "--child":
        child_memory()
        return
    photo = imagegen.photo_like(*P1_SIZE, orientation=6)
    print(f"input: {P1_SIZE[0]}x{P1_SIZE[1]} JPEG, orientation 6, {len(photo) / 1e6:.2f} MB")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    candidates = {
        "decode": bare_decode,
        "project": process_once,
        "project, 1 thread": process_one_thread,
        "naive": naive_pipeline,
    }
    wall, cpu = interleaved_medians(candidates, photo)
    for name in candidates:
        print(f"{name:>17}: {wall[name] * 1000:6.1f} ms wall, {cpu[name] * 1000:6.1f} ms CPU")
    print(f"(medians of {RUNS} interleaved runs; ratios below use wall time, as a user waits)")
    print(f"CPU-time ratio vs decode: {cpu['project'] / cpu['decode']:.2f}")
    print(f"1-thread wall ratio vs decode: {wall['project, 1 thread'] / wall['decode']:.2f}")
    print(f"large rendition PSNR vs full decode + LANCZOS: {quality_db(photo):.2f} dB (bar >= 35)")
    print_memory()
    ratio, speedup = wall["project"] / wall["decode"], wall["naive"] / wall["project"]
    met = ratio <= RATIO_BAR and speedup >= SPEEDUP_BAR
    print(f"P1 bars: ratio <= {RATIO_BAR}, speedup >= {SPEEDUP_BAR}: {'met' if met else 'NOT met'}")
    print(f"ratio_vs_decode={ratio:.2f}")
    print(f"speedup_vs_naive={speedup:.2f}")


def bare_decode(data: bytes) -> None:
    """Decode the JPEG at full size and nothing else: the yardstick."""
    Image.open(io.BytesIO(data)).load()


def process_once(data: bytes) -> None:
    """Run the project's pipeline with its defaults."""
    process_image(io.BytesIO(data))


def process_one_thread(data: bytes) -> None:
    """Run the project's pipeline with every encode on the calling thread."""
    images.PARALLEL = False
    try:
        process_image(io.BytesIO(data))
    finally:
        images.PARALLEL = True


def naive_pipeline(data: bytes) -> None:
    """Full decode, orient, LANCZOS from the full image per size, WebP with default settings."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    for _name, long_side in DEFAULT_SIZES:
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
    large = process_image(io.BytesIO(data)).renditions[0]
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    reference = reference.resize((large.width, large.height), Image.Resampling.LANCZOS)
    return imagegen.psnr(Image.open(io.BytesIO(large.data)), reference)


def print_memory() -> None:
    """Print peak RSS above baseline for a 48 MP JPEG and a 12 MP HEIC (P2)."""
    jpeg = imagegen.photo_like(*P2_JPEG_SIZE, orientation=6)
    heic = imagegen.encode(imagegen.photo_pixels(*P1_SIZE), "HEIF", quality=85)
    for label, data in (("48 MP JPEG", jpeg), ("12 MP HEIC", heic)):
        for mode in ("decode", "project"):
            peak = measure_in_child(data, mode)
            is_p2 = label.endswith("JPEG") and mode == "project"
            bar = f" (bar < {MEMORY_BAR_MB})" if is_p2 else ""
            print(f"peak memory, {label} ({len(data) / 1e6:.1f} MB), {mode}: {peak:.0f} MB{bar}")


def measure_in_child(data: bytes, mode: str) -> float:
    """Run one decode or process in a fresh interpreter; return its peak RSS growth in MB."""
    result = subprocess.run(
        [sys.executable, __file__, "--child"],
        input=mode.encode() + b"\n" + data,
        capture_output=True,
        check=True,
    )
    return float(result.stdout)


def child_memory() -> None:
    """In the child: read the input, reset the RSS high-water mark, process, print the growth."""
    mode = sys.stdin.buffer.readline().strip().decode()
    data = sys.stdin.buffer.read()
    baseline = rss_kb("VmRSS")
    reset_peak = Path("/proc/self/clear_refs")
    reset_peak.write_text("5")  # Linux: VmHWM := current RSS, so the input read is not counted
    (bare_decode if mode == "decode" else process_once)(data)
    print((rss_kb("VmHWM") - baseline) / 1024)


def rss_kb(field: str) -> int:
    """Return a VmRSS/VmHWM figure of this process in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


if __name__ == "__main__":
    main()
