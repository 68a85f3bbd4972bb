"""Peak memory of one upload, and of four at once, for the worst case of every format (P2).

Each case runs in a fresh interpreter (tests/memory_probe.py) that reads its RSS high-water
mark: C buffers of Pillow, libheif, libwebp and libavif are invisible to tracemalloc. The
inputs are flat pictures: tiny files whose decoders still need every pixel in memory.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app import images
from tests import imagegen
from tests.memory_probe import Peak, measure

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the RSS high-water mark from /proc"
)

ONE_UPLOAD_MB = 200  # QUALITY.md P2, above the worker's baseline
FOUR_UPLOADS_MB = 500

# name -> (make the upload, accepted or the refusal reason). bench/images.py measures these and
# more (accepted WebP and GIF, CMYK, real 24 and 48 MP HEICs), which take longer to make.
WORST_CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "webp-7000x7000-lossless-rgba": (
        lambda: imagegen.flat("RGBA", (7000, 7000), "WEBP", lossless=True),
        "too_many_pixels",
    ),
    "png-7000x7000-rgba": (lambda: imagegen.flat("RGBA", (7000, 7000), "PNG"), "too_many_pixels"),
    "png-6000x6000-rgba": (lambda: imagegen.flat("RGBA", (6000, 6000), "PNG"), "accepted"),
    "png-7000x7000-16-bit-grey": (lambda: imagegen.flat("I;16", (7000, 7000), "PNG"), "accepted"),
    "heic-12mp-10-bit-422": (lambda: imagegen.heic_hdr(4032, 3024), "accepted"),
    "heic-claiming-48mp": (lambda: imagegen.claiming_heic(8064, 6048), "too_many_pixels"),
    "avif-12mp-rgba": (
        lambda: imagegen.flat("RGBA", (4000, 3000), "AVIF", quality=60, speed=10),
        "accepted",
    ),
    "jpeg-48mp-progressive": (
        lambda: imagegen.flat("RGB", (8000, 6000), "JPEG", quality=90, progressive=True),
        "accepted",
    ),
}
FOUR_AT_ONCE = (
    "png-6000x6000-rgba",
    "heic-12mp-10-bit-422",
    "avif-12mp-rgba",
    "jpeg-48mp-progressive",
)


@pytest.fixture(scope="module")
def uploads() -> dict[str, bytes]:
    """Every worst case, made once (two at a time: the encoders release the GIL)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        made = pool.map(lambda make: make(), [make for make, _ in WORST_CASES.values()])
        return dict(zip(WORST_CASES, made, strict=True))


@pytest.fixture(scope="module")
def single_peaks(uploads: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Each case alone in its own child process, two children at a time."""

    def one(name: str) -> Peak:
        return measure([uploads[name]], tmp_path_factory.mktemp(name))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(WORST_CASES, pool.map(one, WORST_CASES), strict=True))


@pytest.mark.parametrize("name", WORST_CASES)
def test_one_upload_stays_below_200_mb(name: str, single_peaks: dict[str, Peak]) -> None:
    """Accepted or refused, no upload of any format takes 200 MB above the baseline."""
    peak = single_peaks[name]
    assert peak.outcomes == [WORST_CASES[name][1]]
    assert peak.megabytes < ONE_UPLOAD_MB, f"{name}: {peak.megabytes:.0f} MB"


def test_refused_pictures_cost_almost_nothing(single_peaks: dict[str, Peak]) -> None:
    """Over the budget is decided from the header: nothing is decoded first."""
    refused = [peak for peak in single_peaks.values() if peak.outcomes != ["accepted"]]
    assert len(refused) == 3
    assert all(peak.megabytes < 5 for peak in refused), refused


def test_four_uploads_at_once_stay_below_500_mb(uploads: dict[str, bytes], tmp_path: Path) -> None:
    """Four of the largest accepted pictures on four threads of one worker, two decode slots."""
    peak = measure([uploads[name] for name in FOUR_AT_ONCE], tmp_path, slots=2)
    assert peak.outcomes == ["accepted"] * 4
    assert peak.megabytes < FOUR_UPLOADS_MB, f"{peak.megabytes:.0f} MB"


def test_the_budget_covers_the_measured_peaks(single_peaks: dict[str, Peak]) -> None:
    """The per-format prices in app.images keep every accepted worst case inside the bar."""
    assert images.DECODE_BUDGET < ONE_UPLOAD_MB * images.MB
    accepted = [peak.megabytes for peak in single_peaks.values() if peak.outcomes == ["accepted"]]
    assert max(accepted) * images.MB < images.DECODE_BUDGET + 20 * images.MB
