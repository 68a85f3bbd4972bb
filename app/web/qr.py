"""QR codes drawn here as SVG (never by an outside service): inline in a page, or as an image."""

import io

import segno
from markupsafe import Markup


def svg_bytes(data: str, *, scale: int = 10, title: str | None = None,
              css_class: str | None = None) -> bytes:
    """The QR code of the data as an SVG document without an XML declaration."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, title=title,
        svgclass=css_class, lineclass=None, omitsize=css_class is not None,
    )
    return buffer.getvalue()


def qr_svg(url: str) -> Markup:
    """The QR code of a URL as inline SVG (no data: URI or extra request; fine under the CSP).

    It scales to its box through its viewBox; the link is written out beside it for people.
    """
    svg = svg_bytes(url, scale=4, css_class="qr-svg").decode()
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))  # noqa: S704  # nosec B704
