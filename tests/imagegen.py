"""Generate test images as bytes: photo-like pictures, awkward modes, hostile and broken files."""

from __future__ import annotations

import io
import math
import random
import struct
import threading
import zlib

import pillow_heif
from PIL import Image, ImageChops, ImageDraw, PngImagePlugin

pillow_heif.register_heif_opener()

# A string no encoder produces by chance: if it shows up in output bytes, metadata leaked.
SECRET = "TK-SECRET-4f1d9c"
MARKER_COLOUR = (255, 0, 0)
MARKER_FRACTION = 8  # the marker square is 1/8 of the short side

# Orientation tag -> the transpose a viewer applies to make the stored pixels upright.
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# ...and its inverse, which turns an upright picture into what a camera would store.
_STORED = {**UPRIGHT, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}

_GPS = {  # Helsinki Railway Square, as a phone would write it
    0x0000: b"\x02\x03\x00\x00",
    0x0001: "N",
    0x0002: ((60, 1), (10, 1), (3050, 100)),
    0x0003: "E",
    0x0004: ((24, 1), (56, 1), (1210, 100)),
}


def photo_like(
    width: int,
    height: int,
    *,
    fmt: str = "JPEG",
    orientation: int | None = None,
    gps: bool = False,
    quality: int = 90,
    marker: bool = False,
) -> bytes:
    """Encode a photo-like picture (gradients, shapes, texture, grain) as a camera stores it.

    width x height is the stored pixel size; with orientation 5-8 the upright picture is
    height x width. gps=True adds GPS (also inside the EXIF thumbnail of a JPEG), XMP and
    comments carrying SECRET. marker=True paints a red square in the upright top-left corner.
    """
    picture = photo_pixels(*_upright_size(width, height, orientation))
    if marker:
        _mark(picture)
    return as_camera_stores(picture, fmt, orientation, gps=gps, quality=quality)


def marked(width: int, height: int, *, orientation: int | None = None, fmt: str = "JPEG") -> bytes:
    """Encode a flat grey picture with a red square in the upright top-left corner."""
    picture = Image.new("RGB", _upright_size(width, height, orientation), (128, 128, 128))
    _mark(picture)
    return as_camera_stores(picture, fmt, orientation, quality=95)


def _mark(picture: Image.Image) -> None:
    """Paint the red marker square (1/8 of the short side) in the top-left corner."""
    side = max(1, min(picture.size) // MARKER_FRACTION)
    ImageDraw.Draw(picture).rectangle((0, 0, side - 1, side - 1), fill=MARKER_COLOUR)


def _upright_size(width: int, height: int, orientation: int | None) -> tuple[int, int]:
    """Return the upright size of a picture stored as width x height."""
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def as_camera_stores(
    upright: Image.Image,
    fmt: str,
    orientation: int | None,
    *,
    gps: bool = False,
    quality: int = 90,
) -> bytes:
    """Turn an upright picture into stored pixels + an EXIF orientation tag, then encode."""
    stored = upright.transpose(_STORED[orientation]) if orientation in _STORED else upright
    exif = exif_blob(orientation=orientation, gps=gps, thumbnail=gps and fmt == "JPEG")
    return encode(stored, fmt, quality=quality, exif=exif, secrets=gps)


# photo_pixels keeps the costly noise layers of each size it has made.
_REUSE_FROM_PIXELS = 100_000  # smaller pictures take a few milliseconds: always made afresh
_REUSE_LOCK = threading.Lock()  # tests make photos on several threads at once
_LAYERS: dict[tuple[int, int], tuple[Image.Image, Image.Image]] = {}
_CALLS: dict[tuple[int, int], int] = {}


def photo_pixels(width: int, height: int) -> Image.Image:
    """Return an RGB picture with smooth light, hard edges and sensor-like grain.

    Every call returns a new picture that differs from the earlier ones (so two uploads never
    share stored files by chance). Making the noise is most of the cost, so from
    _REUSE_FROM_PIXELS up the scene and the grain of the first picture of a size are kept, and
    later pictures of that size get the same grain shifted by a different offset each time.
    """
    size = (width, height)
    if width * height < _REUSE_FROM_PIXELS:
        return _add_grain(_scene(size), Image.effect_noise(size, 6))
    with _REUSE_LOCK:
        layers = _LAYERS.get(size)
    if layers is None:
        layers = (_scene(size), Image.effect_noise(size, 6))
    with _REUSE_LOCK:
        scene, grain = _LAYERS.setdefault(size, layers)
        n = _CALLS.get(size, 0)
        _CALLS[size] = n + 1
    if n:  # distinct shifts for the first width x height calls: far more than a run makes
        grain = ImageChops.offset(grain, n % width, n // width % height)
    return _add_grain(scene, grain)


def steady_photo(width: int, height: int, seed: int = 1) -> bytes:
    """A photo-like JPEG that is the same in every run: for checks whose answer depends on the
    picture (a face detector must find nothing in it, every time)."""
    rng = random.Random(seed)
    size = (width, height)
    light = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    picture = Image.merge("RGB", (light, ImageChops.invert(light), light.rotate(180)))
    _draw_shapes(picture)
    for divisor in (16, 4, 1):  # foliage, fabric and grain, from seeded noise
        small = (max(1, width // divisor), max(1, height // divisor))
        noise = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
        texture = noise.resize(size, Image.Resampling.BICUBIC).point(lambda v: 128 + (v - 128) // 5)
        picture = ImageChops.add(picture, Image.merge("RGB", (texture,) * 3), 1, -128)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def _scene(size: tuple[int, int]) -> Image.Image:
    """Return the picture without its grain: light, shapes and texture."""
    light = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    glow = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    picture = Image.merge("RGB", (light, ImageChops.invert(glow), light.rotate(180)))
    _draw_shapes(picture)
    # Noise blown up from 1/16 and 1/4 scale gives foliage- and fabric-like texture; full-scale
    # noise gives the grain a phone's denoiser leaves. Together: ~4 MB per 12 MP at quality 90.
    width, height = size
    for divisor, sigma in ((16, 40), (4, 10)):
        small = (max(1, width // divisor), max(1, height // divisor))
        texture = Image.effect_noise(small, sigma).resize(size, Image.Resampling.BICUBIC)
        picture = ImageChops.add(picture, Image.merge("RGB", (texture,) * 3), 1, -128)
    return picture


def _add_grain(scene: Image.Image, grain: Image.Image) -> Image.Image:
    """Return a new picture: the scene with full-scale grain (an L image) added."""
    return ImageChops.add(scene, Image.merge("RGB", (grain,) * 3), 1, -128)


def _draw_shapes(picture: Image.Image) -> None:
    """Draw a few deterministic objects with edges, like things in a room."""
    draw = ImageDraw.Draw(picture)
    width, height = picture.size
    for i in range(12):
        x = (i * 0.37 % 1) * width
        y = (i * 0.61 % 1) * height
        r = (0.05 + (i % 4) * 0.04) * min(width, height)
        colour = (40 + i * 17 % 200, 200 - i * 13 % 180, 90 + i * 29 % 150)
        if i % 2:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r * 0.6, x + r, y + r * 0.6), fill=colour)


def encode(
    picture: Image.Image,
    fmt: str,
    *,
    quality: int = 90,
    exif: bytes = b"",
    secrets: bool = False,
) -> bytes:
    """Encode a picture; with secrets=True also embed XMP (and a JPEG comment) carrying SECRET."""
    options: dict[str, object] = {"exif": exif} if exif else {}
    if fmt in ("JPEG", "WEBP", "HEIF", "AVIF"):
        options["quality"] = quality
    if fmt == "AVIF":
        options["speed"] = 10  # libavif's fastest: these are test inputs
    if fmt == "HEIF":
        options["chroma"] = 420  # pillow_heif keeps a chroma= given earlier for later saves
    if secrets and fmt == "PNG":
        options["pnginfo"] = _png_xmp()
    elif secrets:
        options["xmp"] = xmp_packet()
        if fmt == "JPEG":
            options["comment"] = f"taken at home of customer {SECRET}"
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def xmp_packet() -> bytes:
    """Return a minimal XMP packet with a location and SECRET in it."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        f'exif:GPSLatitude="60,10.5N" exif:UserComment="{SECRET}"/>'
        "</rdf:RDF></x:xmpmeta>"
    ).encode()


def _png_xmp() -> PngImagePlugin.PngInfo:
    """Return PNG text chunks carrying XMP, the way editors store it in PNG."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_packet().decode())
    return info


# --- EXIF, written by hand so that IFD1 can carry a thumbnail that has its own GPS -----------

_ASCII, _BYTE, _SHORT, _LONG, _RATIONAL = 2, 1, 3, 4, 5


def exif_blob(
    *, orientation: int | None = None, gps: bool = False, thumbnail: bool = False
) -> bytes:
    """Return an APP1 EXIF payload: IFD0 (+GPS IFD), optionally IFD1 with a JPEG thumbnail."""
    if orientation is None and not gps:
        return b""
    ifd0: list[tuple[int, int, int, bytes]] = []
    if gps:
        ifd0.append(_entry(0x010F, _ASCII, f"Make {SECRET}"))
    if orientation is not None:
        ifd0.append(_entry(0x0112, _SHORT, orientation))
    gps_ifd = [_entry(tag, _gps_type(value), value) for tag, value in _GPS.items()] if gps else []
    thumb = _thumbnail_jpeg() if thumbnail else b""
    return b"Exif\x00\x00" + _tiff(ifd0, gps_ifd, thumb)


def _tiff(ifd0: list, gps_ifd: list, thumb: bytes) -> bytes:
    """Lay out header, IFD0, GPS IFD, IFD1 and thumbnail; offsets are from the TIFF header."""
    if gps_ifd:
        ifd0 = [*ifd0, _entry(0x8825, _LONG, 0)]  # pointer patched once offsets are known
    ifd1 = [_entry(0x0103, _SHORT, 6), _entry(0x0201, _LONG, 0), _entry(0x0202, _LONG, len(thumb))]
    ifd0_at = 8
    gps_at = ifd0_at + _ifd_size(ifd0)
    ifd1_at = gps_at + _ifd_size(gps_ifd) if gps_ifd else gps_at
    thumb_at = ifd1_at + _ifd_size(ifd1)
    if gps_ifd:
        ifd0[-1] = _entry(0x8825, _LONG, gps_at)
    ifd1[1] = _entry(0x0201, _LONG, thumb_at)
    out = b"MM\x00\x2a" + struct.pack(">I", ifd0_at)
    out += _ifd(ifd0, ifd0_at, ifd1_at if thumb else 0)
    if gps_ifd:
        out += _ifd(gps_ifd, gps_at, 0)
    if thumb:
        out += _ifd(ifd1, ifd1_at, 0) + thumb
    return out


def _gps_type(value: object) -> int:
    """Return the TIFF type that holds a GPS value."""
    if isinstance(value, bytes):
        return _BYTE
    return _ASCII if isinstance(value, str) else _RATIONAL


def _entry(tag: int, kind: int, value: object) -> tuple[int, int, int, bytes]:
    """Return (tag, type, count, big-endian payload) for one IFD entry."""
    if kind == _ASCII:
        payload = str(value).encode() + b"\x00"
        return tag, kind, len(payload), payload
    if kind == _BYTE:
        return tag, kind, len(value), bytes(value)  # type: ignore[arg-type]
    if kind == _RATIONAL:
        pairs = list(value)  # type: ignore[call-overload]
        return tag, kind, len(pairs), b"".join(struct.pack(">II", n, d) for n, d in pairs)
    fmt = ">H" if kind == _SHORT else ">I"
    return tag, kind, 1, struct.pack(fmt, value)


def _ifd_size(entries: list) -> int:
    """Bytes an IFD takes: count, entries, next pointer and out-of-line values."""
    return 2 + 12 * len(entries) + 4 + sum(_padded(len(e[3])) for e in entries if len(e[3]) > 4)


def _padded(n: int) -> int:
    """Round up to an even length, as TIFF values start on word boundaries."""
    return n + n % 2


def _ifd(entries: list, at: int, next_ifd: int) -> bytes:
    """Serialise one IFD placed at offset `at`, its long values right after the entry table."""
    entries = sorted(entries)
    table = struct.pack(">H", len(entries))
    data = b""
    data_at = at + 2 + 12 * len(entries) + 4
    for tag, kind, count, payload in entries:
        if len(payload) <= 4:
            table += struct.pack(">HHI", tag, kind, count) + payload.ljust(4, b"\x00")
        else:
            table += struct.pack(">HHII", tag, kind, count, data_at + len(data))
            data += payload.ljust(_padded(len(payload)), b"\x00")
    return table + struct.pack(">I", next_ifd) + data


def _thumbnail_jpeg() -> bytes:
    """Return the small JPEG a camera embeds in EXIF IFD1, itself carrying GPS."""
    picture = photo_pixels(160, 120)
    return encode(picture, "JPEG", quality=75, exif=exif_blob(gps=True))


# --- awkward but valid inputs ----------------------------------------------------------------


def cmyk_jpeg(width: int = 120, height: int = 80) -> bytes:
    """Return a CMYK JPEG: left third white paper, middle third pure cyan, right third black ink."""
    picture = Image.new("CMYK", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((width // 3, 0, 2 * width // 3 - 1, height), fill=(255, 0, 0, 0))
    draw.rectangle((2 * width // 3, 0, width, height), fill=(0, 0, 0, 255))
    return encode(picture, "JPEG", quality=95)


def png16(width: int = 256, height: int = 32) -> bytes:
    """Return a 16-bit greyscale PNG with a left-to-right ramp from 0 to 65535."""
    ramp = Image.linear_gradient("L").rotate(90).resize((width, height)).convert("I")
    wide = ramp.point(lambda v: v * 257)  # 0..255 -> 0..65535, the full 16-bit range
    return encode(wide.convert("I;16"), "PNG")


def rgba_png(width: int = 100, height: int = 60) -> bytes:
    """Return an RGBA PNG: left half fully transparent (red underneath), right half opaque blue."""
    picture = Image.new("RGBA", (width, height), (255, 0, 0, 0))
    ImageDraw.Draw(picture).rectangle((width // 2, 0, width, height), fill=(0, 0, 255, 255))
    return encode(picture, "PNG")


def la_png(width: int = 100, height: int = 60) -> bytes:
    """Return a grey+alpha PNG: left half transparent black, right half opaque black."""
    picture = Image.new("LA", (width, height), (0, 0))
    ImageDraw.Draw(picture).rectangle((width // 2, 0, width, height), fill=(0, 255))
    return encode(picture, "PNG")


def palette_png(width: int = 100, height: int = 60) -> bytes:
    """Return a palette PNG: transparent index 0 (green) left, opaque index 1 (blue) right."""
    picture = Image.new("P", (width, height), 0)
    picture.putpalette([0, 255, 0, 0, 0, 255] + [0] * 762)
    ImageDraw.Draw(picture).rectangle((width // 2, 0, width, height), fill=1)
    picture.info["transparency"] = 0
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", transparency=0)
    return buffer.getvalue()


def animated(fmt: str = "WEBP", size: tuple[int, int] = (64, 48)) -> bytes:
    """Return a three-frame animation (red, green, blue) as WebP, APNG or GIF."""
    frames = [Image.new("RGB", size, colour) for colour in ("red", "lime", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def mpo(size: tuple[int, int] = (64, 48)) -> bytes:
    """Return a two-picture MPO (what some cameras write as .jpg): red, then blue."""
    first, second = Image.new("RGB", size, "red"), Image.new("RGB", size, "blue")
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    return buffer.getvalue()


def heic(width: int = 640, height: int = 480, *, quality: int = 85) -> bytes:
    """Return a photo-like HEIC, as an iPhone would send it."""
    return encode(photo_pixels(width, height), "HEIF", quality=quality)


def sized_png(width: int, height: int, colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    """Return a flat-coloured PNG of any size (cheap: extreme shapes compress to nothing)."""
    return encode(Image.new("RGB", (width, height), colour), "PNG")


def with_profile(
    profile: bytes, colour: tuple[int, int, int] = (255, 0, 0), fmt: str = "JPEG"
) -> bytes:
    """Return a flat-coloured JPEG (or HEIF, AVIF...) carrying the given ICC profile."""
    picture = Image.new("RGB", (64, 48), colour)
    buffer = io.BytesIO()
    picture.save(buffer, fmt, quality=95, icc_profile=profile)
    return buffer.getvalue()


# D50-adapted sRGB colorants (ICC v2 matrix/TRC); a profile listing them R<->B swapped describes
# a colour space where (255, 0, 0) is blue, so converting it to sRGB is easy to see.
_SRGB_COLORANTS = {
    b"rXYZ": (0.4361, 0.2225, 0.0139),
    b"gXYZ": (0.3851, 0.7169, 0.0971),
    b"bXYZ": (0.1431, 0.0606, 0.7141),
}


# Display P3 (DCI-P3 primaries, D65 white) adapted to D50, as in Apple's and Samsung's profiles.
_P3_COLORANTS = {
    b"rXYZ": (0.5151, 0.2412, -0.0011),
    b"gXYZ": (0.2920, 0.6922, 0.0419),
    b"bXYZ": (0.1571, 0.0666, 0.7841),
}


def swapped_rb_profile() -> bytes:
    """Return a valid ICC v2 RGB display profile whose red and blue colorants are swapped."""
    colorants = {**_SRGB_COLORANTS, b"rXYZ": _SRGB_COLORANTS[b"bXYZ"]}
    colorants[b"bXYZ"] = _SRGB_COLORANTS[b"rXYZ"]
    return matrix_profile(colorants, "Swapped red/blue test space")


def p3_profile(name: str = "DCI-P3 D65 Gamut with sRGB Transfer") -> bytes:
    """Return a Display P3 profile; its default name is the one on Samsung's HEIC photos."""
    return matrix_profile(_P3_COLORANTS, name)


def srgb_profile(name: str = "sRGB IEC61966-2.1") -> bytes:
    """Return a matrix profile with sRGB's colorants."""
    return matrix_profile(_SRGB_COLORANTS, name)


def matrix_profile(colorants: dict[bytes, tuple[float, float, float]], name: str) -> bytes:
    """Return a valid ICC v2 RGB display profile: three colorants, gamma 2.2, a description."""
    gamma = b"curv" + bytes(4) + struct.pack(">IH", 1, round(2.2 * 256)) + bytes(2)
    text = name.encode("ascii")
    description = b"desc" + bytes(4) + struct.pack(">I", len(text) + 1) + text + bytes(1)
    description += bytes(4 + 4 + 2 + 1 + 67)  # empty Unicode and ScriptCode parts
    tags = {
        b"desc": description,
        b"wtpt": _xyz((0.9642, 1.0, 0.8249)),
        **{sig: _xyz(xyz) for sig, xyz in colorants.items()},
        b"rTRC": gamma,
        b"gTRC": gamma,
        b"bTRC": gamma,
        b"cprt": b"text" + bytes(4) + b"public domain\x00",
    }
    return _icc(tags)


def _xyz(xyz: tuple[float, float, float]) -> bytes:
    """Return an ICC XYZType with s15Fixed16 numbers."""
    return b"XYZ " + bytes(4) + b"".join(struct.pack(">i", round(v * 65536)) for v in xyz)


def _icc(tags: dict[bytes, bytes]) -> bytes:
    """Assemble header, tag table and 4-byte-aligned tag data into an ICC profile."""
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for signature, body in tags.items():
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body.ljust(-(-len(body) // 4) * 4, b"\x00")  # tags start on 4-byte boundaries
    size = offset + len(data)
    header = struct.pack(
        ">I4sI4s4s4s12s4s", size, b"", 0x02100000, b"mntr", b"RGB ", b"XYZ ", bytes(12), b"acsp"
    )
    header += bytes(24) + struct.pack(">I", 0) + _xyz((0.9642, 1.0, 0.8249))[8:]
    return header.ljust(128, b"\x00") + table + data


# --- inputs that must be refused -------------------------------------------------------------


def other_format(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    """Return a small valid image in a format the board does not accept (GIF, BMP, TIFF...)."""
    return encode(Image.new("RGB", size, (200, 50, 50)), fmt)


def svg() -> bytes:
    """Return an SVG with a script in it, the classic stored-XSS upload."""
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
    )


def html_as_jpg() -> bytes:
    """Return the bytes of an HTML page someone named photo.jpg."""
    return b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """Return the first `keep` fraction of an encoded image."""
    return data[: int(len(data) * keep)]


def damaged(data: bytes, keep: int = 40) -> bytes:
    """Return an image whose first bytes (its header) are intact and the rest is overwritten."""
    rest = len(data) - keep
    return data[:keep] + (b"\x13\x37\x00\xff" * (rest // 4 + 1))[:rest]


def broken_png() -> bytes:
    """Return a PNG whose IHDR chunk fails its checksum (as after a bad copy)."""
    data = bytearray(sized_png(64, 48))
    data[29] ^= 0xFF  # the last byte of IHDR's CRC
    return bytes(data)


def claiming_heic(width: int, height: int) -> bytes:
    """Return a small HEIC whose image-size property ('ispe') claims width x height."""
    # 64 x 64: no padding, so no clean-aperture box crops the claimed size back.
    data = bytearray(encode(Image.new("RGB", (64, 64), "grey"), "HEIF", quality=50))
    at = data.index(b"ispe") + 8  # after the box type and its version/flags
    data[at : at + 8] = struct.pack(">II", width, height)
    return bytes(data)


# x265 takes 3-4x longer on its default preset. Give chroma= on every HEIF save: pillow_heif
# keeps one given earlier for later saves.
FAST_HEVC = {"preset": "ultrafast"}


def heic_hdr(width: int, height: int, *, chroma: int = 422) -> bytes:
    """Return a 10-bit HEIC (as Canon's .hif): a grey ramp with colour, chroma 4:2:2 by default."""
    ramp = Image.linear_gradient("L").resize((width, height))
    rgb = Image.merge("RGB", (ramp, ramp.rotate(180).resize((width, height)), ramp)).tobytes()
    wide = bytearray(2 * len(rgb))  # each 8-bit value v becomes the 16-bit value v * 257
    wide[0::2], wide[1::2] = rgb, rgb
    heif = pillow_heif.from_bytes("RGB;16", (width, height), bytes(wide))
    buffer = io.BytesIO()
    heif.save(buffer, quality=60, chroma=chroma, enc_params=FAST_HEVC)
    return buffer.getvalue()


def flat(mode: str, size: tuple[int, int], fmt: str, **options: object) -> bytes:
    """Return a flat picture in any mode and format: tiny files with many pixels."""
    colours = {"RGBA": (20, 120, 200, 128), "RGB": (20, 120, 200), "I;16": 30000, "L": 90}
    picture = Image.new(mode, size, colours.get(mode, 1))
    if fmt == "HEIF":
        options = {"enc_params": FAST_HEVC, "chroma": 420, **options}
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def rebranded(data: bytes, brand: bytes) -> bytes:
    """Return an ISOBMFF file (HEIF, AVIF) with another major brand in its ftyp box."""
    assert data[4:8] == b"ftyp"
    return data[:8] + brand + data[12:]


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """Return a tiny PNG whose IHDR claims width x height RGB pixels (valid CRCs)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    scanline_start = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", scanline_start)


def _chunk(kind: bytes, body: bytes) -> bytes:
    """Return one PNG chunk: length, type, body, CRC over type+body."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


# --- measuring -------------------------------------------------------------------------------


def psnr(a: Image.Image, b: Image.Image) -> float:
    """Return the PSNR in dB between two same-sized RGB images (inf when identical)."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    histogram = diff.histogram()
    squared = sum(count * (i % 256) ** 2 for i, count in enumerate(histogram))
    mse = squared / (a.width * a.height * 3)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def jpeg_claiming(width: int, height: int) -> bytes:
    """Return a small baseline JPEG whose SOF0 header is rewritten to claim width x height."""
    data = bytearray(encode(Image.new("RGB", (16, 16), "grey"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)
