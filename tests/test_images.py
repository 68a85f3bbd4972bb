"""Photo processing: upright, metadata-free, correctly converted renditions; bad input refused."""

from __future__ import annotations

import base64
import io
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import (
    ExifTags,
    Image,
    ImageCms,
    ImageFile,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    features,
)

from app import images
from app.images import (
    DEFAULT_SIZES,
    REASONS,
    ImageRejected,
    ProcessedImage,
    Rendition,
    process_image,
)
from tests import imagegen

SMALL_SIZES = (("large", 960), ("small", 240))


def process(data: bytes, **options: object) -> ProcessedImage:
    """Process bytes as an upload."""
    return process_image(io.BytesIO(data), **options)  # type: ignore[arg-type]


def refusal(data: bytes, **options: object) -> str:
    """Return the reason an upload is refused (fails the test if it is accepted)."""
    with pytest.raises(ImageRejected) as caught:
        process(data, **options)
    return caught.value.reason


def pixels(rendition: Rendition) -> Image.Image:
    """Decode a rendition back into RGB pixels."""
    with Image.open(io.BytesIO(rendition.data)) as decoded:
        return decoded.convert("RGB")


def everything_stored(result: ProcessedImage) -> Iterator[tuple[str, bytes]]:
    """Yield (name, bytes) of every encoded output, placeholder included."""
    for rendition in result.renditions:
        yield rendition.name, rendition.data
    if result.original:
        yield "original", result.original.data
    yield "placeholder", base64.b64decode(result.placeholder.split(",", 1)[1])


def near(colour: tuple[int, ...], expected: tuple[int, int, int], tolerance: int = 24) -> bool:
    """Tell whether an RGB colour is within tolerance of the expected one on every channel."""
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


@pytest.fixture(scope="module")
def camera_jpeg() -> bytes:
    """A 12 MP photo-like camera JPEG, stored landscape with EXIF orientation 6 (portrait)."""
    return imagegen.photo_like(4032, 3024, orientation=6)


# --- orientation ----------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize(
    ("stored", "sizes"), [((120, 80), DEFAULT_SIZES), ((2000, 1500), SMALL_SIZES)]
)
def test_exif_orientation_is_applied(
    orientation: int, stored: tuple[int, int], sizes: tuple[tuple[str, int], ...]
) -> None:
    """Every orientation ends up upright, with the marker top-left, also on the drafted path."""
    data = imagegen.marked(*stored, orientation=orientation)
    result = process(data, sizes=sizes)
    turned = orientation >= 5
    assert (result.width, result.height) == (stored[::-1] if turned else stored)
    large = result.renditions[0]
    assert (large.width > large.height) == (not turned)
    picture = pixels(large)
    w, h = picture.size
    inset = max(2, min(w, h) // 40)
    assert near(picture.getpixel((inset, inset)), imagegen.MARKER_COLOUR, 40)
    for corner in ((w - 1 - inset, inset), (inset, h - 1 - inset), (w - 1 - inset, h - 1 - inset)):
        assert near(picture.getpixel(corner), (128, 128, 128), 24), corner


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["AVIF", "WEBP", "PNG"])
def test_orientation_is_applied_in_every_format(fmt: str, orientation: int) -> None:
    """AVIF (rotation in the container), WebP and PNG (EXIF) come out upright too."""
    result = process(imagegen.marked(120, 80, orientation=orientation, fmt=fmt))
    assert (result.width, result.height) == ((80, 120) if orientation >= 5 else (120, 80))
    picture = pixels(result.renditions[0])
    assert near(picture.getpixel((3, 3)), imagegen.MARKER_COLOUR, 50)
    assert near(picture.getpixel((picture.width - 4, picture.height - 4)), (128, 128, 128), 30)


def test_heic_orientation_is_applied_once() -> None:
    """pillow-heif applies HEIF rotation itself; we must not rotate a second time."""
    data = imagegen.marked(120, 80, orientation=6, fmt="HEIF")
    result = process(data)
    assert (result.width, result.height) == (80, 120)
    assert near(pixels(result.renditions[0]).getpixel((3, 3)), imagegen.MARKER_COLOUR, 50)


# --- privacy: nothing but pixels survives ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"])
def test_gps_exif_xmp_and_comments_are_removed(fmt: str) -> None:
    """GPS in IFD0 and in the EXIF thumbnail, XMP, comments: none reach any stored byte."""
    data = imagegen.photo_like(640, 480, fmt=fmt, orientation=6, gps=True)
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo), "precondition: source has GPS"
    assert imagegen.SECRET.encode() in data, "precondition: source carries the secret"
    result = process(data, keep_original=True)
    assert result.original is not None
    for name, stored in everything_stored(result):
        with Image.open(io.BytesIO(stored)) as decoded:
            assert not decoded.getexif(), name
            assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(
                decoded.info
            ), name
        assert imagegen.SECRET.encode() not in stored, name
        assert b"Exif" not in stored and b"xmpmeta" not in stored, name


def test_the_large_rendition_is_jpeg_and_as_bare_as_the_rest() -> None:
    """Renditions from JPEG_FROM_SIDE up are JPEG (fast to encode), the card sizes WebP; none
    carries metadata."""
    data = imagegen.photo_like(2400, 1800, orientation=6, gps=True)
    result = process(data)
    kinds = {r.name: (r.content_type, max(r.width, r.height)) for r in result.renditions}
    assert kinds["large"] == ("image/jpeg", 1920)
    assert {kinds[name][0] for name in ("medium", "small")} == {"image/webp"}
    large = next(r for r in result.renditions if r.name == "large")
    with Image.open(io.BytesIO(large.data)) as decoded:
        assert decoded.format == "JPEG" and decoded.size == (1440, 1920)  # upright
        assert not decoded.getexif() and "exif" not in decoded.info
    assert imagegen.SECRET.encode() not in large.data and b"Exif" not in large.data


def test_source_thumbnail_carries_gps_too() -> None:
    """The fixture is honest: the JPEG's embedded EXIF thumbnail has its own GPS block."""
    data = imagegen.photo_like(320, 240, gps=True)
    exif = Image.open(io.BytesIO(data)).getexif()
    ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
    tiff = Image.open(io.BytesIO(data)).info["exif"][6:]
    start, length = ifd1[0x0201], ifd1[0x0202]
    thumbnail = Image.open(io.BytesIO(tiff[start : start + length]))
    assert thumbnail.getexif().get_ifd(ExifTags.IFD.GPSInfo)[2] == (60.0, 10.0, 30.5)


def test_colour_profile_is_applied_then_dropped() -> None:
    """An embedded non-sRGB profile is converted to sRGB pixels; the profile itself is dropped."""
    data = imagegen.with_profile(imagegen.swapped_rb_profile(), colour=(255, 0, 0))
    large = process(data).renditions[0]
    assert near(pixels(large).getpixel((10, 10)), (0, 0, 255), 40)
    assert "icc_profile" not in Image.open(io.BytesIO(large.data)).info


def converted(colour: tuple[int, int, int], profile: bytes) -> tuple[int, ...]:
    """Return what LittleCMS makes of one pixel in the profile's space, in sRGB."""
    pixel = Image.new("RGB", (1, 1), colour)
    source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    srgb = ImageCms.createProfile("sRGB")
    return ImageCms.profileToProfile(pixel, source, srgb, outputMode="RGB").getpixel((0, 0))


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_p3_profile_named_srgb_is_converted(fmt: str) -> None:
    """Samsung's "DCI-P3 D65 Gamut with sRGB Transfer": judged by its primaries, converted."""
    colour = (200, 80, 60)
    profile = imagegen.p3_profile()
    assert "sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))
    expected = converted(colour, profile)
    assert expected[0] - colour[0] >= 10 and colour[2] - expected[2] >= 10, "P3 is wider"
    large = process(imagegen.with_profile(profile, colour, fmt)).renditions[0]
    stored = pixels(large).getpixel((10, 10))
    assert near(stored, expected, 6), (stored, expected)
    assert not near(stored, colour, 8), "the profile was dropped without converting"


def test_srgb_primaries_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile with sRGB's primaries (whatever its name) needs no conversion: none is done."""
    calls = []
    monkeypatch.setattr(images.ImageCms, "profileToProfile", lambda *a, **k: calls.append(a))
    colour = (200, 80, 60)
    for name in ("sRGB IEC61966-2.1", "Camera colour space"):
        large = process(imagegen.with_profile(imagegen.srgb_profile(name), colour)).renditions[0]
        assert near(pixels(large).getpixel((10, 10)), colour, 6)
    assert calls == []
    process(imagegen.with_profile(imagegen.p3_profile("sRGB"), colour))
    assert len(calls) == 1, "a P3 profile named plain 'sRGB' is still converted"


@pytest.mark.parametrize("profile", [b"not a profile at all", b"\x00" * 200])
def test_broken_colour_profile_is_ignored(profile: bytes) -> None:
    """A garbage ICC profile must not block the upload; the colours are taken as sRGB."""
    large = process(imagegen.with_profile(profile, colour=(255, 0, 0))).renditions[0]
    assert near(pixels(large).getpixel((10, 10)), (255, 0, 0), 30)
    assert "icc_profile" not in Image.open(io.BytesIO(large.data)).info


# --- formats and modes -------------------------------------------------------------------------


def test_heic_is_accepted() -> None:
    """An iPhone-style HEIC becomes WebP renditions that look like the source."""
    data = imagegen.heic(640, 480)
    result = process(data)
    assert (result.source_format, result.width, result.height) == ("HEIF", 640, 480)
    large = result.renditions[0]
    assert (large.width, large.height, large.content_type) == (640, 480, "image/webp")
    assert imagegen.psnr(pixels(large), Image.open(io.BytesIO(data))) > 30


def test_cmyk_jpeg_becomes_correct_rgb() -> None:
    """CMYK paper white, pure cyan and black ink come out white, cyan and black."""
    picture = pixels(process(imagegen.cmyk_jpeg(120, 80)).renditions[0])
    assert near(picture.getpixel((20, 40)), (255, 255, 255))
    assert near(picture.getpixel((60, 40)), (0, 255, 255), 40)
    assert near(picture.getpixel((100, 40)), (0, 0, 0))


def test_16_bit_png_is_scaled_not_clipped() -> None:
    """A 16-bit ramp stays a ramp: mid-grey is mid-grey, not white as with a plain convert."""
    picture = pixels(process(imagegen.png16(256, 32)).renditions[0])
    left, middle, right = (picture.getpixel((x, 16))[0] for x in (2, 128, 253))
    assert left < 12 and right > 243
    assert 110 < middle < 146


@pytest.mark.parametrize(
    ("make", "opaque"),
    [
        (imagegen.rgba_png, (0, 0, 255)),
        (imagegen.la_png, (0, 0, 0)),
        (imagegen.palette_png, (0, 0, 255)),
    ],
    ids=["rgba", "grey-alpha", "palette-transparency"],
)
def test_transparency_is_composited_on_white(
    make: Callable[[int, int], bytes], opaque: tuple[int, int, int]
) -> None:
    """Transparent areas become white (not the hidden colour underneath); opaque ones stay."""
    picture = pixels(process(make(100, 60)).renditions[0])
    assert near(picture.getpixel((10, 30)), (255, 255, 255), 8)
    assert near(picture.getpixel((90, 30)), opaque, 30)


@pytest.mark.parametrize("fmt", ["WEBP", "PNG", "GIF"])
def test_animation_keeps_first_frame(fmt: str) -> None:
    """Animated WebP, APNG and GIF alike: the stored picture is the first (red) frame."""
    data = imagegen.animated(fmt)
    with Image.open(io.BytesIO(data)) as source:
        assert source.n_frames == 3, "precondition: a real animation"
    result = process(data)
    assert result.source_format == fmt
    assert near(pixels(result.renditions[0]).getpixel((30, 20)), (255, 0, 0), 30)


def test_mpo_camera_file_counts_as_jpeg() -> None:
    """Some cameras write MPO (JPEG + extra pictures) as .jpg; the first picture is used."""
    result = process(imagegen.mpo())
    assert result.source_format == "JPEG"
    assert near(pixels(result.renditions[0]).getpixel((30, 20)), (255, 0, 0), 30)


def test_avif_is_accepted_like_heic() -> None:
    """A real .avif becomes WebP renditions that look like the source."""
    data = imagegen.photo_like(640, 480, fmt="AVIF", quality=80)
    assert data[8:12] == b"avif"
    result = process(data)
    assert (result.source_format, result.width, result.height) == ("AVIF", 640, 480)
    with Image.open(io.BytesIO(data)) as source:
        assert imagegen.psnr(pixels(result.renditions[0]), source) > 30


def test_av1_in_a_heif_container_is_read_as_avif() -> None:
    """An AV1 picture whose major brand says plain HEIF ('mif1') goes the same way as .avif."""
    data = imagegen.rebranded(imagegen.photo_like(320, 240, fmt="AVIF"), b"mif1")
    assert process(data).source_format == "AVIF"


def test_accept_lists_every_allowed_format() -> None:
    """The file input's accept names each format the decoder allow-list takes, and no other."""
    accept = images.ACCEPT.split(",")
    assert {f.pillow for f in images.SOURCE_FORMATS} == set(images.ALLOWED_FORMATS)
    for fmt in images.SOURCE_FORMATS:
        assert set(fmt.media_types) | set(fmt.extensions) <= set(accept), fmt.label
    assert "image/avif" in accept and ".avif" in accept
    assert not [kind for kind in accept if kind in ("image/*", "image/svg+xml", "image/tiff")]


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow has no AVIF")
def test_avif_renditions() -> None:
    """avif=True gives AVIF renditions, still without metadata."""
    result = process(imagegen.photo_like(320, 240, gps=True), avif=True)
    for rendition in result.renditions:
        assert (rendition.content_type, rendition.extension) == ("image/avif", "avif")
        with Image.open(io.BytesIO(rendition.data)) as decoded:
            assert decoded.format == "AVIF" and not decoded.getexif()
        assert imagegen.SECRET.encode() not in rendition.data


def test_avif_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without AVIF in the Pillow build, asking for it fails loudly, not silently as WebP."""
    monkeypatch.setattr(images.features, "check", lambda feature: False)
    with pytest.raises(RuntimeError, match="AVIF"):
        process(imagegen.sized_png(10, 10), avif=True)


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (imagegen.html_as_jpg(), "not_an_image"),
        (imagegen.svg(), "not_an_image"),
        (b"\xff\xd8\xff" + bytes(range(256)) * 4, "not_an_image"),
        (imagegen.other_format("BMP"), "unsupported_format"),
        (imagegen.other_format("TIFF"), "unsupported_format"),
        (imagegen.other_format("ICO"), "unsupported_format"),
        (imagegen.truncated(imagegen.photo_like(400, 300)), "truncated"),
        (imagegen.truncated(imagegen.encode(imagegen.photo_pixels(200, 150), "PNG")), "truncated"),
        (imagegen.png_bomb(), "too_many_pixels"),
        (imagegen.jpeg_claiming(65_000, 65_000), "too_many_pixels"),
        (imagegen.jpeg_claiming(10_000, 10_000), "too_many_pixels"),  # Pillow only warns here
    ],
    ids=[
        "empty",
        "html-named-jpg",
        "svg",
        "garbage-with-jpeg-magic",
        "bmp",
        "tiff",
        "ico",
        "truncated-jpeg",
        "truncated-png",
        "png-100000x100000",
        "jpeg-65000x65000",
        "jpeg-100-megapixels",
    ],
)
def test_bad_uploads_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    """Each kind of bad upload gets its own reason, which the route turns into a message."""
    assert refusal(data) == reason
    assert reason in REASONS


@pytest.mark.parametrize(
    "damaged",
    [
        imagegen.damaged(imagegen.heic(64, 48)),
        imagegen.damaged(imagegen.heic(64, 48), keep=300),
        imagegen.truncated(imagegen.heic(320, 240), 0.3),
        imagegen.broken_png(),
        imagegen.damaged(imagegen.sized_png(64, 48), keep=16),
        imagegen.damaged(imagegen.photo_like(64, 48), keep=4),
        imagegen.damaged(imagegen.photo_like(64, 48, fmt="WEBP"), keep=20),
        imagegen.damaged(imagegen.photo_like(64, 48, fmt="AVIF")),
        imagegen.damaged(imagegen.animated("GIF"), keep=6),
    ],
    ids=[
        "heic-header-only",
        "heic-boxes-then-garbage",
        "heic-cut",
        "png-bad-ihdr-crc",
        "png-signature-then-garbage",
        "jpeg-soi-app-then-garbage",
        "webp-riff-then-garbage",
        "avif-ftyp-then-garbage",
        "gif-signature-then-garbage",
    ],
)
def test_damaged_photos_are_called_damaged_not_foreign(damaged: bytes) -> None:
    """A file that starts like one of our formats but does not decode is a damaged photo."""
    assert refusal(damaged) == "truncated"


def test_allowed_formats_never_fall_back_to_other_decoders() -> None:
    """GIF is now taken (first frame); BMP, TIFF, ICO... stay refused, however they are named."""
    assert process(imagegen.other_format("GIF")).source_format == "GIF"
    for fmt in ("BMP", "TIFF", "ICO", "PCX", "TGA"):
        assert refusal(imagegen.other_format(fmt)) == "unsupported_format", fmt


def test_pixel_cap_is_configurable() -> None:
    """An image over max_pixels is refused even when Pillow itself would open it."""
    data = imagegen.sized_png(200, 100)
    assert refusal(data, max_pixels=19_999) == "too_many_pixels"
    assert process(data, max_pixels=20_000).width == 200


def test_bomb_is_refused_from_the_header_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 100000x100000 PNG is refused before any pixel memory is allocated."""

    def no_decoding(self: object) -> None:
        raise AssertionError("decoded a decompression bomb")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", no_decoding)
    start = time.perf_counter()
    assert refusal(imagegen.png_bomb()) == "too_many_pixels"
    assert refusal(imagegen.sized_png(3000, 3000), max_pixels=1_000_000) == "too_many_pixels"
    assert time.perf_counter() - start < 5


def test_truncated_images_are_never_loaded_leniently() -> None:
    """LOAD_TRUNCATED_IMAGES stays off, so a cut-off upload cannot become a half-grey photo."""
    assert refusal(imagegen.truncated(imagegen.photo_like(400, 300), 0.9)) == "truncated"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    source=st.sampled_from(["JPEG", "PNG", "WEBP"]),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=6),
    keep=st.floats(0.05, 1),
)
def test_corrupted_uploads_are_accepted_or_refused_never_crash(
    source: str, flips: list[tuple[float, int]], keep: float
) -> None:
    """Random byte damage ends in a result or an ImageRejected with a known reason, nothing else."""
    data = bytearray(_fuzz_seed(source))
    for where, value in flips:
        data[int(where * len(data))] = value
    try:
        result = process(imagegen.truncated(bytes(data), keep))
    except ImageRejected as rejected:
        assert rejected.reason in REASONS
    else:
        assert result.renditions[0].data.startswith(b"RIFF")


_FUZZ_SEEDS: dict[str, bytes] = {}


def _fuzz_seed(fmt: str) -> bytes:
    """Return a small image with EXIF, made once per format."""
    if fmt not in _FUZZ_SEEDS:
        _FUZZ_SEEDS[fmt] = imagegen.photo_like(48, 32, fmt=fmt, orientation=6, gps=True)
    return _FUZZ_SEEDS[fmt]


def test_corrupt_exif_is_ignored_not_fatal() -> None:
    """A photo whose EXIF block is cut short is still accepted, as stored (orientation 1)."""
    picture = imagegen.photo_pixels(120, 80)
    broken_exif = imagegen.exif_blob(orientation=6, gps=True)[:40]
    result = process(imagegen.encode(picture, "JPEG", exif=broken_exif))
    assert (result.width, result.height) == (120, 80)


def test_concurrent_uploads_do_not_mix_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads processed on several threads at once each get their own, correct result."""
    uploads = [imagegen.sized_png(2000 + i * 100, 1200, (i * 60, 100, 200)) for i in range(4)]
    filters_before = list(warnings.filters)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(process, uploads))
    for i, result in enumerate(results):
        assert (result.width, result.height) == (2000 + i * 100, 1200)
        assert near(pixels(result.renditions[0]).getpixel((5, 5)), (i * 60, 100, 200), 12)
    assert warnings.filters == filters_before


class CountingSlots:
    """Decode slots that remember how many were taken, and how many were held at once."""

    def __init__(self, slots: int) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self.held = self.most = self.taken = 0

    def __enter__(self) -> None:
        self._slots.acquire()
        with self._lock:
            self.held += 1
            self.taken += 1
            self.most = max(self.most, self.held)
        time.sleep(0.05)  # give the other threads a chance to try for a slot meanwhile

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.held -= 1
        self._slots.release()


def test_large_decodes_wait_for_a_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    """With one slot, three large pictures on three threads are decoded one at a time."""
    monkeypatch.setattr(images, "SLOT_FROM_BYTES", 2_000_000)  # "large" made cheap to test
    large = imagegen.flat("RGBA", (800, 800), "PNG")  # 2.56 MB decoded
    slots = CountingSlots(1)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda data: process(data, decode_slots=slots), [large] * 3))
    assert [result.width for result in results] == [800] * 3
    assert (slots.taken, slots.most) == (3, 1)
    assert process(imagegen.flat("RGBA", (600, 600), "PNG"), decode_slots=slots).width == 600
    assert slots.taken == 3, "1.44 MB is below the threshold: no slot taken"


def test_small_decodes_take_no_slot() -> None:
    """A browser-shrunk photo (2048 px JPEG) or a drafted camera JPEG never waits for a slot."""
    slots = CountingSlots(1)
    process(imagegen.photo_like(2048, 1536), decode_slots=slots)
    process(imagegen.flat("RGB", (8000, 6000), "JPEG"), decode_slots=slots)  # drafted to 1/4
    assert slots.taken == 0


def noise_picture(mode: str, size: tuple[int, int] = (301, 203)) -> Image.Image:
    """Return a noisy picture in any mode, so that every band has something to get wrong."""
    grey = Image.effect_noise(size, 60)
    if mode == "I;16":
        return grey.convert("I").point(lambda value: value * 257).convert("I;16")
    if mode == "RGBA":
        return Image.merge("RGBA", (grey, grey.rotate(90), grey.rotate(180), grey.rotate(270)))
    if mode == "P":
        return Image.merge("RGB", (grey, grey.rotate(90), grey.rotate(180))).quantize(64)
    return grey.convert(mode)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "I;16", "P", "LA", "CMYK"])
@pytest.mark.parametrize("factor", [1, 3])
def test_shrinking_in_bands_gives_the_pixels_of_the_whole(
    mode: str, factor: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Converting and box-reducing band by band equals doing it to the whole picture at once."""
    monkeypatch.setattr(images, "BAND_PIXELS", 5_000)  # dozens of bands, one not full
    picture = noise_picture(mode)
    banded = images._shrink_in_bands(picture.size, factor, images._pillow_band(picture))
    whole = images._working(picture)
    whole = whole.reduce(factor) if factor > 1 else whole
    assert (banded.mode, banded.size) == (whole.mode, whole.size)
    assert banded.tobytes() == whole.tobytes()


def test_non_seekable_stream_is_read() -> None:
    """A stream that cannot seek (e.g. a socket) still works."""

    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            return self._data.readinto(buffer)

    result = process_image(OneWay(imagegen.sized_png(30, 20)))  # type: ignore[arg-type]
    assert (result.width, result.height) == (30, 20)


# --- sizes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1, 20_000), [(1, 1920), (1, 960), (1, 480)]),
        ((20_000, 1), [(1920, 1), (960, 1), (480, 1)]),
        ((300, 200), [(300, 200), (300, 200), (300, 200)]),
        ((1000, 500), [(1000, 500), (960, 480), (480, 240)]),
        ((5000, 40), [(1920, 15), (960, 8), (480, 4)]),
    ],
)
def test_rendition_sizes(size: tuple[int, int], expected: list[tuple[int, int]]) -> None:
    """Long side capped per size, never upscaled, short side at least 1 px, one per name."""
    result = process(imagegen.sized_png(*size))
    assert [r.name for r in result.renditions] == ["large", "medium", "small"]
    assert [(r.width, r.height) for r in result.renditions] == expected
    assert [pixels(r).size for r in result.renditions] == expected
    assert (result.width, result.height) == size


def test_sizes_are_ordered_largest_first_and_validated() -> None:
    """Configured sizes may come in any order; nonsense sizes are a programming error."""
    result = process(imagegen.sized_png(2000, 1000), sizes=(("thumb", 100), ("big", 1200)))
    assert [(r.name, r.width) for r in result.renditions] == [("big", 1200), ("thumb", 100)]
    for sizes in ((), (("a", 0),), (("a", 100), ("a", 200)), (("huge", 20_000),)):
        with pytest.raises(ValueError):
            process(imagegen.sized_png(10, 10), sizes=sizes)


@pytest.mark.parametrize("size", [(640, 480), (1, 20_000), (20_000, 1), (7, 7)])
def test_placeholder_is_a_tiny_webp(size: tuple[int, int]) -> None:
    """The placeholder is a small inline WebP with the picture's shape and colour."""
    colour = (30, 120, 200)
    placeholder = process(imagegen.sized_png(*size, colour)).placeholder
    assert placeholder.startswith("data:image/webp;base64,")
    assert len(placeholder) < 400
    tiny = Image.open(io.BytesIO(base64.b64decode(placeholder.split(",", 1)[1])))
    assert tiny.format == "WEBP"
    assert max(tiny.size) == min(16, max(size))
    assert (tiny.width >= tiny.height) == (size[0] >= size[1])
    assert near(tiny.convert("RGB").getpixel((0, 0)), colour, 30)


# --- quality, speed mechanics, original -------------------------------------------------------


def test_large_rendition_quality_guard(camera_jpeg: bytes) -> None:
    """PSNR >= 35 dB against a full decode + LANCZOS resize of the same photo."""
    large = process(camera_jpeg).renditions[0]
    assert (large.width, large.height) == (1440, 1920)
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(camera_jpeg)))
    reference = reference.resize((1440, 1920), Image.Resampling.LANCZOS)
    assert imagegen.psnr(pixels(large), reference) >= 35


def test_jpeg_is_decoded_at_reduced_scale(
    camera_jpeg: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """draft() asks libjpeg for 1/2 scale (2016x1512 still covers 1920x1440), once."""
    calls = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(
        self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None
    ) -> object:
        outcome = real_draft(self, mode, size)
        calls.append((size, self.size))
        return outcome

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    result = process(camera_jpeg)
    assert calls == [((1920, 1440), (2016, 1512))]
    assert (result.width, result.height) == (3024, 4032)
    assert [(r.width, r.height) for r in result.renditions] == [
        (1440, 1920),
        (720, 960),
        (360, 480),
    ]


def test_banded_resize_matches_a_plain_resize(
    camera_jpeg: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two-thread resize (two bands, split mid-picture) gives the same pixels as one call."""
    monkeypatch.setattr(images, "PARALLEL", True)
    picture = Image.open(io.BytesIO(camera_jpeg)).reduce(2).convert("RGB")
    banded = images._resize(picture, (1920, 1440))
    plain = picture.resize((1920, 1440), images.RESAMPLE, reducing_gap=images.REDUCING_GAP)
    assert imagegen.psnr(banded, plain) > 50


def test_parallel_and_serial_pipelines_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """With PARALLEL on or off (the default), the same renditions come out (up to encoder noise)."""
    # A seeded 12 MP photo: camera_jpeg's grain differs per run, and on some grains the
    # encoder turned the seam's tiny differences into a few per cent more bytes.
    photo = imagegen.steady_photo(4032, 3024)
    assert images.PARALLEL is False
    serial = process(photo)
    monkeypatch.setattr(images, "PARALLEL", True)
    parallel = process(photo)
    for one, other in zip(parallel.renditions, serial.renditions, strict=True):
        assert (one.name, one.width, one.height) == (other.name, other.width, other.height)
        assert imagegen.psnr(pixels(one), pixels(other)) > 36
        assert abs(len(one.data) - len(other.data)) < len(one.data) * 0.02


def test_original_only_on_request() -> None:
    """keep_original gives a full-size, upright, metadata-free JPEG; otherwise none is made."""
    data = imagegen.photo_like(900, 600, orientation=8, gps=True)
    assert process(data).original is None
    original = process(data, keep_original=True).original
    assert original is not None
    assert (original.name, original.width, original.height) == ("original", 600, 900)
    assert (original.content_type, original.extension) == ("image/jpeg", "jpg")
    with Image.open(io.BytesIO(original.data)) as decoded:
        assert decoded.size == (600, 900) and not decoded.getexif()
    assert imagegen.SECRET.encode() not in original.data


def test_renditions_are_webp_by_default() -> None:
    """Default renditions are WebP with the declared content type and extension."""
    for rendition in process(imagegen.photo_like(640, 480)).renditions:
        assert (rendition.content_type, rendition.extension) == ("image/webp", "webp")
        assert Image.open(io.BytesIO(rendition.data)).format == "WEBP"
