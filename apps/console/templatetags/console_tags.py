from django import template

from apps.ledger.selectors import credit_balance_get
from apps.restore.models import GallerySource, RestoredImage
from apps.restore.selectors import gallery_source_url_get, restored_image_url_get

register = template.Library()


@register.simple_tag(takes_context=True)
def credit_balance(context) -> int:
    user = context["request"].user
    return credit_balance_get(user=user) if user.is_authenticated else 0


@register.filter
def status_class(status: str) -> str:
    return f"status-{str(status).lower()}"


@register.filter
def gallery_url(source: GallerySource) -> str:
    return gallery_source_url_get(source=source)


@register.filter
def restored_url(record: RestoredImage) -> str:
    return restored_image_url_get(record=record) or ""
