"""Property-based tests: any text into the forms and the JSON API never gives a 5xx, and mutated
JPEG/PNG/WebP bytes give the image sanitiser only a clean refusal or a success, never a crash or
a hang. Example counts are modest so the suite stays quick; raise them with HYPOTHESIS_PROFILE."""

import contextlib
import faulthandler
import io
import os
import signal
import time
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from app import images
from tests.security_support import login, tiny_jpeg

FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile("quick", max_examples=40, deadline=None, suppress_health_check=FIXTURES)
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=FIXTURES)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))

PER_IMAGE_SECONDS = 5  # a clean refusal or a success must come well within this
HANG_SECONDS = 60  # past this the run is stuck in C code: dump the stacks and stop the process
SIZES = (("large", 96), ("small", 32))

any_text = st.text(max_size=700)
maybe_text = st.one_of(st.none(), any_text)


def as_form(fields: dict) -> dict:
    """Drop the fields hypothesis chose to leave out."""
    return {name: value for name, value in fields.items() if value is not None}


@given(
    description=maybe_text,
    unit=maybe_text,
    customer_type=maybe_text,
    happened_on=maybe_text,
    consent=maybe_text,
    filename=any_text,
    photo=st.sampled_from([tiny_jpeg(3), b"", b"GIF89a nonsense", tiny_jpeg(4)[:200]]),
)
def test_deed_form_never_answers_5xx(app, client, world, description, unit, customer_type,
                                     happened_on, consent, filename, photo):
    """Any text in any field, any file name: a redirect or a 4xx with a message."""
    login(client, "aino")
    form = as_form({"description": description, "unit": unit, "customer_type": customer_type,
                    "happened_on": happened_on, "consent": consent})
    form["photo"] = (io.BytesIO(photo), filename)
    response = client.post("/deeds/new", data=form, content_type="multipart/form-data")
    assert response.status_code in (302, 400, 413), response.status_code
    if response.status_code == 302:
        assert response.headers["Location"] == "/"


param_names = st.sampled_from(["unit", "municipality", "cursor", "limit", "q", "next"]) | st.text(
    max_size=20
)


@given(params=st.lists(st.tuples(param_names, any_text), max_size=6))
def test_json_api_never_answers_5xx(app, client, world, params):
    """Any query string: 200 with cards or 400 with a JSON error."""
    login(client, "aino")
    response = client.get("/api/deeds?" + urlencode(params))
    assert response.status_code in (200, 400)
    assert response.mimetype == "application/json"
    assert ("deeds" in response.json) if response.status_code == 200 else ("error" in response.json)


@given(deed_id=st.integers(min_value=-(2**70), max_value=2**70),
       accept=st.sampled_from(["application/json", "text/html", "*/*"]))
def test_thanks_and_moderation_never_answer_5xx(app, client, world, deed_id, accept):
    """Any number in the deed URLs: 404, 403 or a success."""
    login(client, "riitta")
    for suffix in ("thanks", "hide", "unhide"):
        response = client.post(f"/deeds/{deed_id}/{suffix}", headers={"Accept": accept})
        assert response.status_code in (200, 302, 403, 404, 405)


@given(username=any_text, password=any_text)
def test_login_never_answers_5xx(app, client, world, username, password):
    """Any username and password: 400 (or 429 once the limit bites), never a crash."""
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code in (302, 400, 429)


# --- The image sanitiser ----------------------------------------------------------------------


def seed_image(fmt: str) -> bytes:
    """A small picture with some structure, in the given format."""
    picture = Image.open(io.BytesIO(tiny_jpeg(7, (48, 32)))).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **({"quality": 70} if fmt != "PNG" else {}))
    return buffer.getvalue()


SEEDS = {fmt: seed_image(fmt) for fmt in ("JPEG", "PNG", "WEBP")}

mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 256)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
)


def mutate(data: bytes, mutations: list) -> bytes:
    """Apply byte flips, insertions, deletions and truncation at relative positions."""
    buffer = bytearray(data)
    for kind, where, arg in mutations:
        at = min(int(where * len(buffer)), max(len(buffer) - 1, 0))
        if kind == "flip" and buffer:
            buffer[at] ^= arg or 1
        elif kind == "insert":
            buffer[at:at] = arg
        elif kind == "delete":
            del buffer[at : at + arg]
        elif kind == "truncate":
            del buffer[at:]
    return bytes(buffer)


class TooSlow(Exception):
    """The sanitiser ran past PER_IMAGE_SECONDS."""


@contextlib.contextmanager
def time_limit(seconds: int):
    """Interrupt Python code after `seconds`; kill the process if C code hangs far longer."""

    def interrupt(signum, frame):
        raise TooSlow(f"process_image took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("fmt", sorted(SEEDS))
@settings(max_examples=max(150, settings.default.max_examples))
@given(mutations=st.lists(mutation, min_size=1, max_size=4))
def test_image_sanitiser_survives_mutated_files(fmt, mutations):
    """Mutated JPEG/PNG/WebP bytes: ImageRejected or a clean result, within the time limit."""
    data = mutate(SEEDS[fmt], mutations)
    started = time.monotonic()
    with time_limit(PER_IMAGE_SECONDS):
        try:
            result = images.process_image(io.BytesIO(data), SIZES, max_pixels=4_000_000)
        except images.ImageRejected as refusal:
            assert refusal.reason in images.REASONS
            return
    assert time.monotonic() - started < PER_IMAGE_SECONDS
    assert [r.name for r in result.renditions] == ["large", "small"]
    for rendition in result.renditions:
        with Image.open(io.BytesIO(rendition.data)) as stored:
            assert stored.format == "WEBP"
            assert not stored.info.get("exif") and not stored.info.get("xmp")
