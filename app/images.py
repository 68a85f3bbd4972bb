"""Turn an uploaded photo into small, upright, metadata-free renditions.

Pure Pillow: no Flask, no database, no filesystem. Everything that leaves this module is a fresh
encode of decoded pixels, so no EXIF/GPS, XMP, ICC, comments or smuggled bytes survive.
"""

from __future__ import annotations

import base64
import io
import struct
import threading
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from PIL import Image, ImageCms, UnidentifiedImageError, features
from pillow_heif import register_heif_opener

register_heif_opener()

DEFAULT_SIZES: tuple[tuple[str, int], ...] = (("large", 1920), ("medium", 960), ("small", 480))
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
REASONS = frozenset({"empty", "not_an_image", "unsupported_format", "too_many_pixels", "truncated"})

WEBP_MAX_SIDE = 16383  # libwebp's hard limit per side
PLACEHOLDER_SIDE = 16
PLACEHOLDER_QUALITY = 40
ORIGINAL_QUALITY = 90
# WebP method 0..6 trades encode time for size: 0 encodes ~3-4x faster than the default 4, for
# ~10% more bytes and ~0.3 dB less PSNR at the same quality (measured with bench/images.py).
WEBP_METHOD = 0
# Use a second thread for the big resize and the largest encode (see _resize, _encode_all).
# Pillow releases the GIL there, so an upload finishes sooner on a multi-core host; the CPU
# spent is the same. False keeps everything on the calling thread.
PARALLEL = True
PARALLEL_MIN_PIXELS = 1_000_000
AVIF_SPEED = 8  # libavif 0 (slow, small) .. 10 (fast)
# LANCZOS keeps the large rendition within the PSNR guard (BICUBIC: ~0.2 dB less).
RESAMPLE = Image.Resampling.LANCZOS
# Shrink by whole factors with a box filter first, then LANCZOS for the rest (as libvips does).
# Each rendition is half the previous one, so that step is a 2x box: ~10x faster than LANCZOS
# and 44 dB against a LANCZOS reference. A JPEG's first step is already done by draft().
REDUCING_GAP = 1.0

# EXIF orientation -> the transpose that makes the stored pixels upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_SIDES = (5, 6, 7, 8)
_WARNINGS_LOCK = threading.Lock()
_SIXTEEN_BIT = ("I", "I;16", "I;16L", "I;16B", "I;16N")
# What Pillow's decoders raise on cut-off or corrupt data (never LOAD_TRUNCATED_IMAGES).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, RuntimeError)
# What a malformed EXIF block can raise; orientation then defaults to "as stored".
_EXIF_ERRORS = (*_DECODE_ERRORS, KeyError, TypeError, IndexError, UnicodeDecodeError)


class ImageRejected(Exception):
    """The upload is not an image we accept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Rendition:
    """One encoded picture ready to store."""

    name: str
    width: int
    height: int
    data: bytes = field(repr=False)
    content_type: str
    extension: str


@dataclass(frozen=True)
class ProcessedImage:
    """Everything stored for one upload."""

    width: int
    height: int
    source_format: str
    renditions: tuple[Rendition, ...]
    placeholder: str = field(repr=False)
    original: Rendition | None = None


@dataclass(frozen=True)
class _Codec:
    """How renditions are encoded."""

    format: str
    content_type: str
    extension: str
    options: dict[str, int]


def process_image(
    stream: BinaryIO,
    sizes: Sequence[tuple[str, int]] = DEFAULT_SIZES,
    *,
    max_pixels: int = 50_000_000,
    quality: int = 80,
    keep_original: bool = False,
    avif: bool = False,
) -> ProcessedImage:
    """Decode an upload once and return its renditions; raise ImageRejected for bad input."""
    codec = _codec(avif, quality)
    plan = _plan(sizes)
    draft_to = None if keep_original else plan[0][1]
    source_format, (width, height), picture = _load(stream, max_pixels, draft_to)
    original = _encode(picture, _JPEG) if keep_original else None
    renditions, smallest = _renditions(picture, (width, height), plan, codec)
    placeholder = _placeholder(smallest)
    return ProcessedImage(width, height, source_format, renditions, placeholder, original)


def _load(
    stream: BinaryIO, max_pixels: int, draft_to: int | None
) -> tuple[str, tuple[int, int], Image.Image]:
    """Return the source format, full upright size and upright RGB pixels (scaled if drafted)."""
    with _pillow_warnings():
        image = _open(stream, max_pixels)
        source_format = "JPEG" if image.format == "MPO" else str(image.format)
        width, height = image.size  # full resolution as stored, before any draft()
        if draft_to:
            _draft(image, draft_to)
        orientation = _orientation(_decode(image))
    picture = _to_rgb(_turn(image, orientation))
    full_size = (height, width) if orientation in _SWAPS_SIDES else (width, height)
    return source_format, full_size, picture


@contextmanager
def _pillow_warnings() -> Iterator[None]:
    """Make bomb warnings fatal; silence Pillow's notes on malformed input (we judge outcomes).

    Pillow warns above MAX_IMAGE_PIXELS (and raises at twice that): both mean "too big" here.
    Its other warnings (corrupt EXIF, broken MPO or APNG) would be errors where warnings are
    errors, as in the test suite, and mere log lines elsewhere: one behaviour is better.
    Warning filters are process-wide (before Python 3.14), so the lock keeps two uploads on
    different threads from restoring each other's filters.
    """
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL|pillow_heif")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _codec(avif: bool, quality: int) -> _Codec:
    """Return the encoder for renditions; AVIF only if this Pillow build has it."""
    if not avif:
        return _Codec("WEBP", "image/webp", "webp", {"quality": quality, "method": WEBP_METHOD})
    if not features.check("avif"):
        raise RuntimeError("AVIF renditions requested but this Pillow build has no AVIF support")
    return _Codec("AVIF", "image/avif", "avif", {"quality": quality, "speed": AVIF_SPEED})


# The original is JPEG: WebP cannot hold more than 16383 px per side, and JPEG encodes fast.
_JPEG = _Codec("JPEG", "image/jpeg", "jpg", {"quality": ORIGINAL_QUALITY})
_SRGB = ImageCms.createProfile("sRGB")


def _plan(sizes: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Validate the configured sizes and order them largest first."""
    names = [name for name, _ in sizes]
    if not sizes or len(set(names)) != len(names):
        raise ValueError("sizes must be non-empty with unique names")
    if any(not 1 <= long_side <= WEBP_MAX_SIDE for _, long_side in sizes):
        raise ValueError(f"each size must be between 1 and {WEBP_MAX_SIDE} px")
    return sorted(sizes, key=lambda size: -size[1])


def _open(stream: BinaryIO, max_pixels: int) -> Image.Image:
    """Open from the header only, allowing our formats and refusing pixel bombs before decoding."""
    stream = _seekable(stream)
    try:
        image = Image.open(stream, formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_many_pixels") from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected(_why_unidentified(stream)) from exc
    except _DECODE_ERRORS as exc:  # our format's signature, but the header is cut or broken
        raise ImageRejected("truncated") from exc
    if image.width * image.height > max_pixels:
        image.close()
        raise ImageRejected("too_many_pixels")
    return image


def _seekable(stream: BinaryIO) -> BinaryIO:
    """Return a stream we can rewind, refusing an empty one."""
    if not getattr(stream, "seekable", lambda: False)():
        stream = io.BytesIO(stream.read())
    stream.seek(0)
    if not stream.read(1):
        raise ImageRejected("empty")
    stream.seek(0)
    return stream


def _why_unidentified(stream: BinaryIO) -> str:
    """Tell an image in a format we refuse (GIF, BMP, TIFF...) from something that is no image."""
    stream.seek(0)
    try:
        Image.open(stream).close()  # header only: nothing from this image is decoded or used
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "unsupported_format"  # a huge GIF/BMP/... is still a format we do not take
    except Exception:  # any other failure to identify means "not an image we know"
        return "not_an_image"
    return "unsupported_format"


def _draft(image: Image.Image, long_side: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale while still covering the largest rendition.

    Only JPEG: for HEIF, draft() would pick an embedded thumbnail, which may not show the
    same picture (e.g. uncropped). Scaling keeps the aspect ratio, so covering the long side in
    stored orientation covers it after rotation too; draft() checks each side separately.
    """
    if image.format in ("JPEG", "MPO"):
        image.draft(None, _fit(image.size, long_side))


def _decode(image: Image.Image) -> Image.Image:
    """Decode the pixels of the first frame, refusing cut-off or corrupt data."""
    try:
        image.load()
    except _DECODE_ERRORS as exc:
        raise ImageRejected("truncated") from exc
    return image


def _orientation(image: Image.Image) -> int:
    """Return the EXIF orientation (1 = as stored); malformed EXIF counts as 1."""
    try:
        return int(image.getexif().get(0x0112, 1))
    except _EXIF_ERRORS:
        return 1


def _turn(image: Image.Image, orientation: int) -> Image.Image:
    """Apply the EXIF orientation to the (already scaled) pixels."""
    return image.transpose(_UPRIGHT[orientation]) if orientation in _UPRIGHT else image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Return 8-bit sRGB-ish RGB: 16-bit scaled down, transparency on white, ICC applied."""
    profile = image.info.get("icc_profile")
    if image.mode in _SIXTEEN_BIT:
        # Pillow's I;16 -> L conversion clips at 255 (everything above 1/256 would turn white).
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.has_transparency_data:
        image = _on_white(image.convert("RGBA"))
    if image.mode not in ("RGB", "L", "CMYK"):  # the modes a colour profile can describe
        image = image.convert("RGB")
    if profile:
        image = _to_srgb(image, profile)
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    rgb.info = {}  # nothing from the upload's metadata may reach an encoder
    return rgb


def _on_white(rgba: Image.Image) -> Image.Image:
    """Composite onto white: the board is white, and WebP/JPEG renditions carry no alpha."""
    white = Image.new("RGB", rgba.size, (255, 255, 255))
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white


def _to_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    """Convert from an embedded colour profile to sRGB, so the profile itself can be dropped."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if "sRGB" in ImageCms.getProfileDescription(source):
            return image
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB") or image
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or mismatched profile: plain conversion is better than refusing the photo.
        return image


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """Scale size so its long side is at most long_side, never up; each side at least 1 px."""
    width, height = size
    scale = long_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _renditions(
    picture: Image.Image, full_size: tuple[int, int], plan: list[tuple[str, int]], codec: _Codec
) -> tuple[tuple[Rendition, ...], Image.Image]:
    """Encode one rendition per name, largest first; return them and the smallest picture."""
    names: dict[tuple[int, int], list[str]] = {}  # a small source gives one size to many names
    for name, long_side in plan:
        names.setdefault(_fit(full_size, long_side), []).append(name)
    pictures = _shrink_chain(picture, list(names))
    encoded = _encode_all(pictures, codec)
    renditions = (
        replace(rendition, name=name)
        for rendition, same_size in zip(encoded, names.values(), strict=True)
        for name in same_size
    )
    return tuple(renditions), pictures[-1]


def _shrink_chain(picture: Image.Image, sizes: list[tuple[int, int]]) -> list[Image.Image]:
    """Resize to each size in turn, each from the previous result (cheaper, and as sharp)."""
    pictures = []
    for size in sizes:
        if picture.size != size:
            picture = _resize(picture, size)
        pictures.append(picture)
    return pictures


def _resize(picture: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize; a big resize is done as two horizontal bands on two threads (same pixels)."""
    if not PARALLEL or size[0] * size[1] < PARALLEL_MIN_PIXELS:
        return picture.resize(size, RESAMPLE, reducing_gap=REDUCING_GAP)
    half = size[1] // 2
    split = picture.height * half / size[1]  # source row where output row `half` starts
    top_box = (0.0, 0.0, float(picture.width), split)
    bottom_box = (0.0, split, float(picture.width), float(picture.height))
    # The filter reads source rows across the split (Pillow clips to the image, not the box),
    # so the bands join seamlessly.
    with ThreadPoolExecutor(max_workers=1) as pool:
        top = pool.submit(picture.resize, (size[0], half), RESAMPLE, top_box, REDUCING_GAP)
        bottom = picture.resize((size[0], size[1] - half), RESAMPLE, bottom_box, REDUCING_GAP)
        joined = Image.new(picture.mode, size)
        joined.paste(top.result(), (0, 0))
    joined.paste(bottom, (0, half))
    return joined


def _encode_all(pictures: list[Image.Image], codec: _Codec) -> list[Rendition]:
    """Encode the largest picture on a second thread while this one encodes the rest.

    The largest encode is most of the work; Pillow releases the GIL while encoding, so on a
    multi-core host the upload finishes sooner. The CPU spent is the same either way.
    """
    if not PARALLEL or len(pictures) == 1:
        return [_encode(picture, codec) for picture in pictures]
    with ThreadPoolExecutor(max_workers=1) as pool:
        largest = pool.submit(_encode, pictures[0], codec)
        rest = [_encode(picture, codec) for picture in pictures[1:]]
        return [largest.result(), *rest]


def _encode(picture: Image.Image, codec: _Codec, name: str = "original") -> Rendition:
    """Encode pixels only: no exif=, icc_profile= or xmp= is ever passed."""
    buffer = io.BytesIO()
    picture.save(buffer, codec.format, **codec.options)
    return Rendition(
        name, picture.width, picture.height, buffer.getvalue(), codec.content_type, codec.extension
    )


def _placeholder(picture: Image.Image) -> str:
    """Return a tiny WebP data URI to show (blurred by CSS) while the real image loads."""
    tiny = picture.resize(
        _fit(picture.size, PLACEHOLDER_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0
    )
    buffer = io.BytesIO()
    tiny.save(buffer, "WEBP", quality=PLACEHOLDER_QUALITY, method=6)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
