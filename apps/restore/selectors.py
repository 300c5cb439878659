"""Restore outputs and gallery sources: the user's lists and their links (signed, expiring)."""
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.core.storage import media_storage
from apps.jobs.selectors import retention_period

from .models import GallerySource, RestoredImage


def restored_image_expires_at_get(*, record: RestoredImage) -> datetime:
    return record.created_at + retention_period()


def restored_image_url_get(*, record: RestoredImage) -> str | None:
    """A link that lives as long as the restored image is kept; None once retention deleted it."""
    expires_at = restored_image_expires_at_get(record=record)
    if not record.output_file or expires_at <= timezone.now():
        return None
    return media_storage().url(record.output_file, expires_at=expires_at)


def gallery_source_url_get(*, source: GallerySource) -> str:
    """Gallery sources are kept until their owner deletes them; the link lives ISAMURAI_MEDIA_URL_SECONDS."""
    return media_storage().url(source.file)


def restored_images_due_for_expiry_list(*, now: datetime | None = None):
    cutoff = (now or timezone.now()) - retention_period()
    return RestoredImage.objects.filter(created_at__lte=cutoff).exclude(output_file="")


def gallery_sources_list(*, user: User) -> QuerySet[GallerySource]:
    return GallerySource.objects.filter(user=user)


def restored_images_list(*, user: User) -> QuerySet[RestoredImage]:
    return RestoredImage.objects.filter(user=user).exclude(output_file="")  # "": deleted by retention
