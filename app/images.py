"""Turn an uploaded photo into small, upright, metadata-free renditions.

Pure Pillow: no Flask, no database, no filesystem. Everything that leaves this module is a fresh
encode of decoded pixels, so no EXIF/GPS, XMP, ICC, comments or smuggled bytes survive.

Memory: a worker may hold several uploads at once, so every decode is priced before it starts
(the peak bytes its decoder needs, measured per format with bench/images.py) and refused above
DECODE_BUDGET. A decode is reduced where the format allows it (JPEG draft), and the pixels are
converted and shrunk a band of rows at a time, so the full-size picture is never copied. Callers
may pass a semaphore that limits how many large decodes run at once.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import io
import math
import struct
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from typing import BinaryIO

import pillow_heif
from PIL import Image, ImageCms, UnidentifiedImageError, features
from pillow_heif import register_heif_opener

register_heif_opener()

# glibc raises its mmap threshold up to 32 MB after the first large free, so later picture
# buffers come from per-thread arenas that keep the memory after it is freed: four uploads on
# four threads then hold four pictures' worth for good. A fixed threshold keeps every buffer
# from 1 MB up in its own mapping, which goes back to the system when freed.
MMAP_THRESHOLD = 1024 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h


def _return_large_buffers_to_the_system() -> None:
    """Set glibc's mmap threshold (elsewhere, e.g. musl or macOS, there is nothing to do)."""
    libc_name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(libc_name) if libc_name else None
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


_return_large_buffers_to_the_system()


@dataclass(frozen=True)
class SourceFormat:
    """A picture format we take: Pillow's name, the name people know, and what browsers send."""

    pillow: str
    label: str
    media_types: tuple[str, ...]
    extensions: tuple[str, ...]


# The one list of what uploads may be: the decoder allow-list, the file input's `accept`, and
# the formats the refusal messages name (tests/test_images.py checks the messages).
SOURCE_FORMATS: tuple[SourceFormat, ...] = (
    SourceFormat("JPEG", "JPEG", ("image/jpeg",), (".jpg", ".jpeg")),
    SourceFormat("PNG", "PNG", ("image/png",), (".png",)),
    SourceFormat("WEBP", "WebP", ("image/webp",), (".webp",)),
    SourceFormat("HEIF", "HEIC", ("image/heic", "image/heif"), (".heic", ".heif", ".hif")),
    SourceFormat("AVIF", "AVIF", ("image/avif",), (".avif",)),
    SourceFormat("GIF", "GIF", ("image/gif",), (".gif",)),
)
# AVIF before HEIF: an AV1 picture in a HEIF container ("mif1") is then read by the same
# decoder as an .avif file; Pillow passes HEVC ones on to the HEIF plugin.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "AVIF", "HEIF", "GIF")
ACCEPT = ",".join(
    [*(kind for f in SOURCE_FORMATS for kind in f.media_types)]
    + [*(ending for f in SOURCE_FORMATS for ending in f.extensions)]
)
DEFAULT_SIZES: tuple[tuple[str, int], ...] = (("large", 1920), ("medium", 960), ("small", 480))
REASONS = frozenset({"empty", "not_an_image", "unsupported_format", "too_many_pixels", "truncated"})

MB = 1024 * 1024
# Peak bytes one decode may take: with the renditions' few MB on top, every upload stays below
# QUALITY.md's 200 MB (P2). A 24 MP phone HEIC fits (~176 MB); a 48 MP one does not.
DECODE_BUDGET = 180 * MB
# Decodes above this size wait for one of the caller's slots (see process_image).
SLOT_FROM_BYTES = 32 * MB
BAND_PIXELS = 1_000_000  # pixels converted at a time when shrinking a decoded picture
# Peak bytes per pixel of the decoders that cannot decode at a reduced scale, measured with
# bench/images.py (Pillow 13, libwebp 1.6, libavif 1.4, libheif 1.23 with libde265):
# WebP: libwebp's two RGBA canvases, Pillow's copy of the frame and the image itself (15.5).
WEBP_BYTES_PER_PIXEL = 18
# libheif's YCbCr planes, its chroma upsampling, its RGB output (converted to 8 bits inside
# libheif, through 16-bit planes for HDR), by bit depth and chroma subsampling; unknown
# chroma counts as 4:4:4. Measured 4.9-6.4 / 8.3 / 9.4 (8-bit), 7.8 / 13.3 / 15.4 (10-bit).
HEIF_BYTES_PER_PIXEL = {
    (8, "420"): 6.5,
    (8, "422"): 8.5,
    (8, "444"): 9.5,
    (10, "420"): 8.0,
    (10, "422"): 13.5,
    (10, "444"): 15.5,
}
# AVIF: libavif's YUV planes (counted from the file) plus the RGBA copies on Pillow's side.
AVIF_COPY_BYTES_PER_PIXEL = 9.5
AVIF_WORST_PLANES = 8.0  # 12-bit 4:4:4 plus a 12-bit alpha plane, 2 bytes per sample
WEBP_MAX_SIDE = 16383  # libwebp's hard limit per side
PLACEHOLDER_SIDE = 16
PLACEHOLDER_QUALITY = 40
ORIGINAL_QUALITY = 90
# WebP method 0..6 trades encode time for size: 0 encodes ~3-4x faster than the default 4, for
# ~10% more bytes and ~0.3 dB less PSNR at the same quality (measured with bench/images.py).
WEBP_METHOD = 0
# True uses a second thread for the big resize and the largest encode (see _resize,
# _encode_all): one upload finishes sooner on an idle multi-core host, but the CPU spent grows
# by ~10 % (257 -> 290 ms for a 12 MP JPEG, bench/images.py), and a worker serving several
# uploads at once pays CPU, not wall time. So every step runs on the calling thread.
PARALLEL = False
PARALLEL_MIN_PIXELS = 1_000_000
AVIF_SPEED = 8  # libavif 0 (slow, small) .. 10 (fast)
# Renditions this large (the deed page's and the projector's, shown one at a time) are JPEG:
# libjpeg-turbo encodes 1920 px in ~8 ms where libwebp needs ~70 ms even at method 0, which was
# most of P1's CPU; the file is ~35 % larger, at a better PSNR (36.5 vs 35.4 dB, measured on
# bench/images.py's photo). The card sizes, which fill the board, stay WebP.
JPEG_FROM_SIDE = 1600
LARGE_JPEG_QUALITY = 85
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
_WORKING_MODES = ("L", "RGB", "CMYK")  # the 8-bit modes a colour profile can describe
_HEAD_BYTES = 65536  # where an AVIF's av1C boxes are looked for
# First marker after a JPEG's SOI: SOFn, DHT, DQT, DRI, APPn, COM. Anything else is not JPEG.
_JPEG_FIRST_MARKERS = frozenset(
    {*range(0xC0, 0xC8), *range(0xC9, 0xD0), 0xDB, 0xDD, *range(0xE0, 0xF0), 0xFE}
)
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1",
     b"mif2", b"avif", b"avis"}
)
_Slots = threading.Semaphore | None
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
    decode_slots: threading.Semaphore | None = None,
) -> ProcessedImage:
    """Decode an upload once and return its renditions; raise ImageRejected for bad input.

    decode_slots, when given, is held while a large picture (over SLOT_FROM_BYTES) is decoded
    and shrunk, so that a worker serving several uploads holds few full-size pictures at once.
    """
    codec = _codec(avif, quality)
    plan = _plan(sizes)
    cover = None if keep_original else plan[0][1]
    source_format, (width, height), picture = _load(stream, max_pixels, cover, decode_slots)
    original = _encode(picture, _JPEG) if keep_original else None
    renditions, smallest = _renditions(picture, (width, height), plan, codec)
    placeholder = _placeholder(smallest)
    return ProcessedImage(width, height, source_format, renditions, placeholder, original)


@dataclass
class _Decoded:
    """Pixels on their way to RGB: maybe shrunk, still as stored, with their colour profile."""

    picture: Image.Image
    full_size: tuple[int, int]  # as stored, before any shrinking
    profile: bytes | None
    orientation: int  # EXIF orientation, still to apply


def _load(
    stream: BinaryIO, max_pixels: int, cover: int | None, slots: _Slots
) -> tuple[str, tuple[int, int], Image.Image]:
    """Return the source format, full upright size and upright RGB pixels (shrunk if cover)."""
    stream = _seekable(stream)
    with _pillow_warnings():
        image = _open(stream, max_pixels)
    source_format = "JPEG" if image.format == "MPO" else str(image.format)
    decode = _decode_heif if image.format == "HEIF" else _decode_pillow
    decoded = decode(image, stream, cover, slots)
    del image  # the full-size picture goes now: only the shrunk one is needed from here on
    picture = _to_rgb(_turn(decoded.picture, decoded.orientation), decoded.profile)
    width, height = decoded.full_size
    turned = decoded.orientation in _SWAPS_SIDES
    full_size = (height, width) if turned else (width, height)
    return source_format, full_size, picture


def _decode_pillow(
    image: Image.Image, stream: BinaryIO, cover: int | None, slots: _Slots
) -> _Decoded:
    """Decode with Pillow (JPEG at a reduced scale), then shrink and convert band by band."""
    full_size = image.size
    if cover:
        _draft(image, cover)
    profile = image.info.get("icc_profile")
    factor = _reduce_factor(image.size, cover)
    cost = _pillow_cost(image, full_size, _head(stream))
    # The shrunk copy lives alongside the decoded picture; where none is needed (a JPEG drafted
    # to size), the upright copy may (EXIF orientation is read after decoding: a PNG's may
    # follow its pixels, and reading it early would decode them).
    _within_budget(cost + _shrunk_bytes(image.size, factor))
    with _slot(slots, cost):
        _decode(image)
        with _pillow_warnings():
            orientation = _orientation(image)
        picture = _shrink_in_bands(image.size, factor, _pillow_band(image))
        if picture is not image:
            Image.Image.close(image)  # frees the pixels now (ImageFile.close would close stream)
    return _Decoded(picture, full_size, profile, orientation)


def _pillow_band(image: Image.Image) -> Callable[[int, int], Image.Image]:
    """Return a function giving rows top..bottom of a decoded Pillow image (all: the image)."""

    def band(top: int, bottom: int) -> Image.Image:
        if (top, bottom) == (0, image.height):
            return image
        return image.crop((0, top, image.width, bottom))

    return band


def _decode_heif(
    image: Image.Image, stream: BinaryIO, cover: int | None, slots: _Slots
) -> _Decoded:
    """Decode a HEIF with libheif, HDR straight to 8 bits, and shrink it band by band.

    The decoded buffer is read in place: Pillow's own HEIF loading (`image`, opened from the
    header only) would copy it whole first. libheif applies the container's rotation and
    mirroring; the EXIF orientation in a HEIF is only a note, so it is not applied again.
    """
    stream.seek(0)
    try:
        with _pillow_warnings():
            heif = pillow_heif.open_heif(stream, convert_hdr_to_8bit=True, remove_stride=False)
            primary = heif[heif.primary_index]
        width, height = primary.size
        cost = width * height * _heif_bytes_per_pixel(primary.info)
        factor = _reduce_factor((width, height), cover)
        _within_budget(cost + _shrunk_bytes((width, height), factor))
        with _slot(slots, cost):
            data, stride = primary.data, primary.stride  # decodes
            width, height = primary.size  # a crop in the container can change it
            mode, profile = primary.mode, primary.info.get("icc_profile")
            band = _buffer_band(memoryview(data), mode, width, stride)
            picture = _shrink_in_bands((width, height), factor, band)
    except _DECODE_ERRORS as exc:
        raise ImageRejected("truncated") from exc
    return _Decoded(picture, (width, height), profile, 1)


def _buffer_band(
    data: memoryview, mode: str, width: int, stride: int
) -> Callable[[int, int], Image.Image]:
    """Return a function giving rows top..bottom of an interleaved pixel buffer as an image."""

    def band(top: int, bottom: int) -> Image.Image:
        rows = data[top * stride : bottom * stride]
        return Image.frombuffer(mode, (width, bottom - top), rows, "raw", mode, stride, 1)

    return band


def _reduce_factor(size: tuple[int, int], cover: int | None) -> int:
    """Return the largest whole factor that still leaves the long side at least `cover`."""
    return max(1, max(size) // cover) if cover else 1


def _shrink_in_bands(
    size: tuple[int, int], factor: int, band_at: Callable[[int, int], Image.Image]
) -> Image.Image:
    """Convert to 8-bit working pixels and shrink by a whole factor, a band of rows at a time.

    Box-reducing bands whose heights are multiples of the factor gives the same pixels as
    reducing the whole picture, without a second full-size picture in memory.
    """
    width, height = size
    first_row = band_at(0, 1)
    if factor == 1 and not _needs_conversion(first_row):
        return band_at(0, height)  # already 8-bit pixels a profile can describe: no copy
    mode = _working(first_row).mode
    shrunk = Image.new(mode, (math.ceil(width / factor), math.ceil(height / factor)))
    rows = max(1, BAND_PIXELS // (width * factor)) * factor
    for top in range(0, height, rows):
        part = _working(band_at(top, min(height, top + rows)))
        shrunk.paste(part.reduce(factor) if factor > 1 else part, (0, top // factor))
    return shrunk


def _needs_conversion(picture: Image.Image) -> bool:
    """Tell whether pixels must change before a colour profile or an encoder can take them."""
    return picture.mode not in _WORKING_MODES or picture.has_transparency_data


def _working(picture: Image.Image) -> Image.Image:
    """Return 8-bit pixels a colour profile can describe (L, RGB, CMYK), transparency on white."""
    if picture.mode in _SIXTEEN_BIT:
        # Pillow's I;16 -> L conversion clips at 255 (everything above 1/256 would turn white).
        picture = picture.convert("I").point(lambda value: value / 256).convert("L")
    if picture.has_transparency_data:
        return _on_white(picture.convert("RGBA"))
    return picture if picture.mode in _WORKING_MODES else picture.convert("RGB")


def _within_budget(cost: int) -> None:
    """Refuse a picture whose decoding would take more memory than one upload may use."""
    if cost > DECODE_BUDGET:
        raise ImageRejected("too_many_pixels")


def _slot(slots: _Slots, cost: int) -> AbstractContextManager:
    """Hold one of the caller's decode slots while a large picture is in memory."""
    return slots if slots is not None and cost >= SLOT_FROM_BYTES else nullcontext()


def _pillow_cost(image: Image.Image, full_size: tuple[int, int], head: bytes) -> int:
    """Return the peak bytes Pillow needs to decode this (maybe drafted) image."""
    pixels = image.width * image.height
    if image.format == "WEBP":
        return pixels * WEBP_BYTES_PER_PIXEL
    if image.format == "AVIF":
        return math.ceil(pixels * _avif_bytes_per_pixel(head))
    cost = pixels * _pixel_bytes(image.mode)
    if image.format in ("JPEG", "MPO") and image.info.get("progressive"):
        # libjpeg keeps every DCT coefficient of a progressive JPEG, at full scale.
        cost += full_size[0] * full_size[1] * _jpeg_coefficient_bytes(image)
    return cost


def _shrunk_bytes(size: tuple[int, int], factor: int) -> int:
    """Return the bytes of the shrunk copy _shrink_in_bands makes (4 per pixel in Pillow)."""
    return math.ceil(size[0] / factor) * math.ceil(size[1] / factor) * 4


def _pixel_bytes(mode: str) -> int:
    """Return the bytes per pixel Pillow stores for a mode (RGB takes 4, like RGBA)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _jpeg_coefficient_bytes(image: Image.Image) -> float:
    """Return the bytes of DCT coefficients per pixel: 2 per sample, chroma maybe subsampled."""
    layers = getattr(image, "layer", None) or [("", 1, 1, 0)]
    most = max(h for _, h, _, _ in layers) * max(v for _, _, v, _ in layers)
    return 2 * sum(h * v for _, h, v, _ in layers) / most


def _heif_bytes_per_pixel(info: dict) -> float:
    """Return libheif's peak per pixel while decoding to 8-bit RGB(A)."""
    depth = 8 if int(info.get("bit_depth") or 8) <= 8 else 10  # 12 bits take 16 like 10
    chroma = str(info.get("chroma") or "444")
    chroma = "420" if chroma == "400" else chroma  # monochrome: one plane, cheaper still
    return HEIF_BYTES_PER_PIXEL.get((depth, chroma), HEIF_BYTES_PER_PIXEL[(depth, "444")])


def _avif_bytes_per_pixel(head: bytes) -> float:
    """Return Pillow's AVIF peak per pixel: libavif's planes (read from av1C) plus RGBA copies.

    Each AV1 item (picture, alpha) has an av1C box giving its bit depth and chroma subsampling.
    Without one in the first bytes, the worst case (12-bit 4:4:4 with alpha) is assumed.
    """
    planes, at = 0.0, head.find(b"av1C")
    while 0 <= at <= len(head) - 7:
        flags = head[at + 6]
        samples = 1 if flags & 0x10 else 1 + 2 / ((1 + (flags >> 3 & 1)) * (1 + (flags >> 2 & 1)))
        planes += samples * (2 if flags & 0x40 else 1)
        at = head.find(b"av1C", at + 4)
    return (planes or AVIF_WORST_PLANES) + AVIF_COPY_BYTES_PER_PIXEL


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
_LARGE_JPEG = _Codec("JPEG", "image/jpeg", "jpg", {"quality": LARGE_JPEG_QUALITY})
_SRGB = ImageCms.createProfile("sRGB")
_SRGB_CORE = ImageCms.ImageCmsProfile(_SRGB).profile
_SRGB_COLORANTS = (_SRGB_CORE.red_colorant, _SRGB_CORE.green_colorant, _SRGB_CORE.blue_colorant)
# sRGB profiles from different makers differ in the third decimal of their D50 colorants;
# Display P3's and Adobe RGB's differ from sRGB's by 0.08 or more.
SRGB_COLORANT_TOLERANCE = 0.003


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
    """Tell a damaged photo of ours from an image format we refuse and from no image at all."""
    if _has_our_signature(_head(stream)):
        return "truncated"  # starts like a JPEG/PNG/WebP/HEIF/AVIF/GIF but does not decode
    stream.seek(0)
    try:
        Image.open(stream).close()  # header only: nothing from this image is decoded or used
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "unsupported_format"  # a huge BMP/TIFF/... is still a format we do not take
    except Exception:  # any other failure to identify means "not an image we know"
        return "not_an_image"
    return "unsupported_format"


def _has_our_signature(head: bytes) -> bool:
    """Tell whether the first bytes are the header of one of the formats we take."""
    return bool(
        (head[:3] == b"\xff\xd8\xff" and len(head) > 3 and head[3] in _JPEG_FIRST_MARKERS)
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or head[:6] in (b"GIF87a", b"GIF89a")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS)
    )


def _head(stream: BinaryIO) -> bytes:
    """Return the first bytes of the upload."""
    stream.seek(0)
    head = stream.read(_HEAD_BYTES)
    stream.seek(0)
    return head


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


def _to_rgb(picture: Image.Image, profile: bytes | None) -> Image.Image:
    """Return 8-bit sRGB pixels: the colour profile applied, then the profile dropped."""
    if profile:
        picture = _to_srgb(picture, profile)
    rgb = picture if picture.mode == "RGB" else picture.convert("RGB")
    rgb.info = {}  # nothing from the upload's metadata may reach an encoder
    return rgb


def _on_white(rgba: Image.Image) -> Image.Image:
    """Composite onto white: the board is white, and WebP/JPEG renditions carry no alpha."""
    white = Image.new("RGB", rgba.size, (255, 255, 255))
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white


def _to_srgb(picture: Image.Image, profile: bytes) -> Image.Image:
    """Convert from an embedded colour profile to sRGB, so the profile itself can be dropped."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if picture.mode == "RGB" and _has_srgb_primaries(source):
            return picture  # converting would change nothing visible, at some CPU cost
        return ImageCms.profileToProfile(picture, source, _SRGB, outputMode="RGB") or picture
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or mismatched profile: plain conversion is better than refusing the photo.
        return picture


def _has_srgb_primaries(profile: ImageCms.ImageCmsProfile) -> bool:
    """Tell from its colorants (not its name) whether an RGB profile has sRGB's primaries.

    Names mislead: Samsung's "DCI-P3 D65 Gamut with sRGB Transfer" is a P3 profile. A profile
    without colorant tags (a lookup table) is converted, to be sure.
    """
    core = profile.profile
    colorants = (core.red_colorant, core.green_colorant, core.blue_colorant)
    if core.xcolor_space != "RGB " or any(colorant is None for colorant in colorants):
        return False
    return all(
        math.isclose(got, want, abs_tol=SRGB_COLORANT_TOLERANCE)
        for colorant, srgb in zip(colorants, _SRGB_COLORANTS, strict=True)
        for got, want in zip(colorant[0], srgb[0], strict=True)
    )


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
        return [_encode(picture, _codec_for(picture, codec)) for picture in pictures]
    with ThreadPoolExecutor(max_workers=1) as pool:
        largest = pool.submit(_encode, pictures[0], _codec_for(pictures[0], codec))
        rest = [_encode(picture, _codec_for(picture, codec)) for picture in pictures[1:]]
        return [largest.result(), *rest]


def _codec_for(picture: Image.Image, codec: _Codec) -> _Codec:
    """The rendition's encoder: JPEG for a large one when renditions are WebP (see above)."""
    if codec.format == "WEBP" and max(picture.size) >= JPEG_FROM_SIDE:
        return _LARGE_JPEG
    return codec


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
