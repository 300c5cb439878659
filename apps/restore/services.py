"""restore-image (synchronous, charged on success) and the gallery of reusable sources."""
import base64
import logging
import shutil
import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.limits import image_pixels_get, output_label_get, plan_limits_check
from apps.accounts.models import User
from apps.core.content_policy import content_policy_check, content_policy_mode
from apps.core.exceptions import NotFound
from apps.core.fast import fast_task_call
from apps.core.storage import media_storage
from apps.core.uploads import UploadFolder, image_file_check, media_root
from apps.ledger.selectors import credit_balance_get
from apps.ledger.services import InsufficientCredits, credits_charge
from workers.choices import ContentPolicyMode
from workers.options import json_value
from workers.pipelines.options import RestoreOptions, restore_output_check

from .models import GallerySource, RestoredImage
from .pricing import restore_price
from .selectors import restored_images_due_for_expiry_list

logger = logging.getLogger(__name__)


# The fast tasks this app's services send (by name; apps/restore/tasks.py defines them).
RESTORE_IMAGE_TASK = "restore.image"
GALLERY_ANALYSE_SOURCE_TASK = "gallery.analyse_source"

def restore_image_create(*, user: User, image: UploadedFile, options: RestoreOptions) -> tuple[RestoredImage, str]:
    """Returns (record, JPEG base64). Nothing is charged or kept unless it succeeds."""
    price = restore_price(options=options)
    mode = json_value(options.mode)
    have = credit_balance_get(user=user)
    if have < price:
        raise InsufficientCredits(need=price, have=have)
    upload = UploadFolder.create()
    output = UploadFolder(relpath=f"restored/{uuid.uuid4().hex}")
    try:
        source = upload.save_upload(image, stem="image")
        image_file_check(media_root() / source, field="image")
        pixels = image_pixels_get(media_root() / source)
        plan_limits_check(user=user, image_pixels=pixels)
        restore_output_check(pixels=pixels or 0, options=options,
                             max_pixels=settings.ISAMURAI_RESTORE_MAX_OUTPUT_PIXELS)
        # block mode refuses; nothing is kept to flag
        content_policy_check(images={"the image": source}, fields={"the image": "image"})
        record_id = uuid.uuid4()
        label = output_label_get(user=user, requested=None)
        answer = fast_task_call(RESTORE_IMAGE_TASK, kwargs={
            "image": source, "mode": mode, "options": options.model_dump(mode="json"), "output_id": str(record_id),
            "label": label})
        output.path.mkdir(parents=True, exist_ok=True)
        output_rel = output.save_bytes(base64.b64decode(answer["image_base64"]), stem="restored")
        with transaction.atomic():
            credits_charge(user=user, amount=price, job_kind=RestoredImage.KIND, job_id=record_id,
                           note=f"{RestoredImage.KIND} {mode}")
            record = RestoredImage.objects.create(id=record_id, user=user, mode=mode, faces=answer["faces"],
                                                  output_file=output_rel, credits_charged=price)
    except BaseException:
        output.remove()
        raise
    finally:
        upload.remove()
    output.release_local()
    return record, answer["image_base64"]


def gallery_sources_create(*, user: User, images: list[UploadedFile]) -> list[GallerySource]:
    """Store each image with its face count and embedding; all or nothing. The content policy
    scans each one here: a swap that uses a stored embedding never sees the photo again."""
    folder = UploadFolder(relpath=f"gallery/{uuid.uuid4().hex}")
    folder.path.mkdir(parents=True, exist_ok=True)
    try:
        rows = []
        for index, image in enumerate(images):
            field = f"images[{index}]"
            relpath = folder.save_upload(image, stem=f"source_{index}")
            image_file_check(media_root() / relpath, field=field)
            scanned = content_policy_mode() is not ContentPolicyMode.OFF
            flag_reason = content_policy_check(images={f"the gallery image {field}": relpath},  # block: 400
                                               fields={f"the gallery image {field}": field})
            answer = fast_task_call(GALLERY_ANALYSE_SOURCE_TASK, kwargs={"image": relpath, "field": field})
            rows.append(GallerySource(user=user, file=relpath, faces_detected=answer["faces"],
                                      embedding=answer["embedding"], content_scanned=scanned,
                                      content_flag_reason=flag_reason))
        with transaction.atomic():
            created = GallerySource.objects.bulk_create(rows)
    except BaseException:
        folder.remove()
        raise
    folder.release_local()
    return created


def gallery_source_delete(*, user: User, source_id: uuid.UUID) -> None:
    source = gallery_source_get(user=user, source_id=source_id)
    relpath = source.file
    source.delete()
    _media_file_delete(relpath)


def _media_file_delete(relpath: str) -> None:
    """Delete one stored file in the bucket and on this host, with its folder once empty."""
    media_storage().delete(relpath)
    try:
        (media_root() / relpath).parent.rmdir()
    except OSError:  # other files still in it (a gallery upload of several images), or gone
        pass


def gallery_source_get(*, user: User, source_id: uuid.UUID) -> GallerySource:
    source = GallerySource.objects.filter(user=user, pk=source_id).first()
    if source is None:
        raise NotFound(f"No gallery source with id {source_id} was found for this API key.")
    return source


def gallery_source_bytes(*, user: User, source_id: uuid.UUID) -> bytes:
    # read, not fetched: the web host keeps no copy of a bucket file
    return media_storage().read_bytes(gallery_source_get(user=user, source_id=source_id).file)


def restored_images_delete_for_user(*, user: User) -> int:
    """Delete every restored image of `user` now (the account is being deleted); returns how many."""
    deleted = 0
    for record in RestoredImage.objects.filter(user=user).exclude(output_file=""):
        _restored_file_delete(record)
        deleted += 1
    return deleted


def gallery_sources_delete_for_user(*, user: User) -> int:
    """Delete every gallery source of `user`, its file included; returns how many."""
    deleted = 0
    for source in GallerySource.objects.filter(user=user):
        gallery_source_delete(user=user, source_id=source.pk)
        deleted += 1
    return deleted


def _restored_file_delete(record: RestoredImage) -> None:
    media_storage().delete(record.output_file)
    shutil.rmtree((media_root() / record.output_file).parent, ignore_errors=True)
    RestoredImage.objects.filter(pk=record.pk).update(output_file="")


def restored_images_expire_due() -> int:
    """Retention: delete restore outputs older than ISAMURAI_RETENTION_HOURS (the record, a
    charge's history, stays with an empty output_file). Gallery sources are the user's to delete."""
    expired = 0
    for record in restored_images_due_for_expiry_list():
        try:
            _restored_file_delete(record)
        except Exception:  # storage trouble: try again next sweep
            logger.exception("restored image %s: could not delete %s", record.id, record.output_file)
            continue
        expired += 1
    return expired
