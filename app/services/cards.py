"""A deed as plain data for JSON clients: the same card the board renders."""

from typing import Any

from flask import url_for

from app.i18n import short_date
from app.models import Deed, Photo


def deed_card(deed: Deed, thanked: bool) -> dict[str, Any]:
    """Return what a board card shows, with photo URLs and their sizes."""
    return {
        "id": deed.id,
        "url": url_for("deeds.show", deed_id=deed.id),
        "description": deed.description,
        "unit": {"id": deed.unit.id, "name": deed.unit.name},
        "municipality": {"id": deed.municipality.id, "name": deed.municipality.name},
        "happened_on": deed.happened_on.isoformat(),
        "happened_on_display": short_date(deed.happened_on),
        "customer_type": deed.customer_type.value if deed.customer_type else None,
        "author": deed.author.display_name,
        "thanks_count": deed.thanks_count,
        "thanked": thanked,
        "photos": [photo_data(photo) for photo in deed.photos],
    }


def photo_data(photo: Photo) -> dict[str, Any]:
    """Return a photo's size, placeholder and the URL of each rendition."""
    return {
        "width": photo.width,
        "height": photo.height,
        "placeholder": photo.placeholder,
        "renditions": [
            {
                "name": r.name,
                "url": url_for("deeds.photo", key=r.key),
                "width": r.width,
                "height": r.height,
            }
            for r in photo.renditions
            if r.name != "original"
        ],
    }
