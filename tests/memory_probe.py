"""Peak memory of processing uploads, measured in a fresh interpreter (QUALITY.md P2).

Pillow's, libheif's and libwebp's pixel buffers are C allocations that tracemalloc does not
see, so the child reads the RSS high-water mark from /proc (Linux). The parent writes the
inputs to files; the child reads them, warms up the codecs on a tiny photo (as any worker
has), resets the high-water mark, processes every input at once on its own thread sharing
one semaphore of `slots` decode slots (as one worker does), and prints JSON: the peak above
the baseline in MB and what became of each input.

    python -m tests.memory_probe SLOTS FILE [FILE...]
"""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Peak:
    """What one measurement found."""

    megabytes: float
    outcomes: list[str]  # "accepted" or the refusal reason, per input


def measure(inputs: Sequence[bytes], directory: Path, slots: int = 2) -> Peak:
    """Process the inputs at once in a child process; return its peak memory above baseline."""
    paths = []
    for number, data in enumerate(inputs):
        path = directory / f"upload-{number}"
        path.write_bytes(data)
        paths.append(str(path))
    result = subprocess.run(
        [sys.executable, "-m", "tests.memory_probe", str(slots), *paths],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    )
    answer = json.loads(result.stdout)
    return Peak(answer["megabytes"], answer["outcomes"])


def child(slots: int, paths: Sequence[str]) -> dict[str, object]:
    """In the child: process every file at once, return the peak growth and the outcomes."""
    from app import images
    from tests import imagegen

    uploads = [Path(path).read_bytes() for path in paths]
    semaphore = threading.BoundedSemaphore(slots)
    images.process_image(io.BytesIO(imagegen.photo_like(64, 48)), decode_slots=semaphore)
    gc.collect()
    baseline = _rss_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS, so setup is not counted

    def process(data: bytes) -> str:
        try:
            images.process_image(io.BytesIO(data), decode_slots=semaphore)
        except images.ImageRejected as rejected:
            return rejected.reason
        return "accepted"

    with ThreadPoolExecutor(max_workers=len(uploads)) as pool:
        outcomes = list(pool.map(process, uploads))
    return {"megabytes": (_rss_kb("VmHWM") - baseline) / 1024, "outcomes": outcomes}


def _rss_kb(field: str) -> int:
    """Return a VmRSS/VmHWM figure of this process in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]), sys.argv[2:])))
