from django import template

from apps.restore.models import GallerySource, RestoredImage
from apps.restore.selectors import gallery_source_url_get, restored_image_url_get

register = template.Library()


@register.filter
def gallery_url(source: GallerySource) -> str:
    return gallery_source_url_get(source=source)


@register.filter
def restored_url(record: RestoredImage) -> str:
    return restored_image_url_get(record=record) or ""
