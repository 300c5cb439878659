"""Face swap requests: validate and store the inputs, check the sources on a worker, price,
then create (and charge) the job, or run a preview. Any failure leaves no files and no rows
and charges nothing."""
import base64
import logging
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.limits import image_pixels_get, output_label_get, plan_limits_check
from apps.accounts.models import User
from apps.core.content_policy import ContentRefused, content_policy_mode, content_verdict
from apps.core.fast import fast_task_call
from apps.core.storage import media_storage
from apps.core.uploads import (
    UploadFolder,
    base64_image_decode,
    image_file_check,
    media_file_check,
    media_root,
)
from apps.jobs.selectors import job_get_for_user, retention_period
from apps.jobs.services import job_draft_quota_check, job_start, job_submit
from apps.ledger.selectors import credit_balance_get
from apps.ledger.services import InsufficientCredits, credits_charge
from workers.choices import MEDIA_IMAGE, ContentPolicyMode
from workers.pipelines.options import FaceSwapBaseOptions

from .models import FaceSwapJob, Preview, options_json
from .pricing import faceswap_price, preview_price
from .sources import (  # noqa: F401 (callers)
    PersonInput,
    SourceInput,
    analysis_results_parse,
    gallery_content_flags,
    source_entries,
)

# The fast tasks this app's services send (by name; apps/swap/tasks.py defines them).
SWAP_PREVIEW_TASK = "swap.preview"
SWAP_CHECK_SOURCES_TASK = "swap.check_sources"
SWAP_ANALYSE_FRAME_TASK = "swap.analyse_frame"
logger = logging.getLogger(__name__)

def _require_credits(*, user: User, price: int) -> None:
    """Fail fast (403, no work done) when the balance can't cover `price`; the charge itself
    happens later under the ledger's row lock."""
    have = credit_balance_get(user=user)
    if have < price:
        raise InsufficientCredits(need=price, have=have)




def _gallery_verdict(*, mode: ContentPolicyMode, source: SourceInput | None, persons: list[PersonInput] | None) -> str:
    """Gallery sources were scanned at upload: block mode refuses one flagged then (uploaded in
    flag mode); flag mode passes its reason on to the job."""
    flags = gallery_content_flags(source=source, persons=persons) if mode is not ContentPolicyMode.OFF else []
    if flags and mode is ContentPolicyMode.BLOCK:
        raise ContentRefused(f"The gallery source {flags[0]}, which this server does not accept. "
                             "Nothing was charged.")
    return "; ".join(flags)


def faceswap_job_create(
    *,
    user: User,
    target: UploadedFile,
    options: FaceSwapBaseOptions,
    source: SourceInput | None = None,
    persons: list[PersonInput] | None = None,
    name: str = "",
    description: str = "",
    start: bool = True,
    webhook_url: str = "",
    label: bool | None = None,
) -> FaceSwapJob:
    """full-process-swap / faceswap (Draft) / multiple-face-swap. The sources are analysed once,
    here (on a fast worker), which also loads every model the options need (503 naming a missing
    one, before any charge); the job keeps what was found and its GPU run reuses it."""
    policy = content_policy_mode()
    gallery_flag = _gallery_verdict(mode=policy, source=source, persons=persons)
    folder = UploadFolder.create()
    try:
        def stored(data: bytes, stem: str) -> str:
            return folder.save_bytes(data, stem=stem)

        entries = source_entries(source=source, persons=persons, store=stored)
        for entry in entries:  # each photo's header (it decodes on the fast worker: 400 naming its field otherwise)
            for relpath, field in zip(entry["sources"], entry["labels"], strict=True):
                image_file_check(media_root() / relpath, field=field)
        inputs = {"target": folder.save_upload(target, stem="target")}
        if not start:
            job_draft_quota_check(user=user, adding=folder.bytes_saved)
        media = media_file_check(media_root() / inputs["target"], field="target_media")
        plan_limits_check(user=user, video_seconds=media.duration_seconds, quality=options.gquality,
                          image_pixels=image_pixels_get(media_root() / inputs["target"])
                          if media.media_type == MEDIA_IMAGE else None)

        job = FaceSwapJob(
            user=user, inputs=inputs, name=name, description=description, multi=persons is not None,
            media_type=media.media_type, duration_seconds=media.duration_seconds, webhook_url=webhook_url,
            input_bytes=folder.bytes_saved,
            label=output_label_get(user=user, requested=label),
        )
        job.options_store(options)
        price = faceswap_price(job)
        if start:
            _require_credits(user=user, price=price)
        check_kwargs: dict = {"persons": entries, "options": job.pipeline_options().model_dump(mode="json"),
                              "target_image": inputs["target"] if job.media_type == MEDIA_IMAGE else None}
        if policy is not ContentPolicyMode.OFF:
            check_kwargs.update(target=inputs["target"], target_is_image=job.media_type == MEDIA_IMAGE,
                                refuse_at=settings.ISAMURAI_NSFW_THRESHOLD if policy == ContentPolicyMode.BLOCK
                                else None)
        checked = fast_task_call(SWAP_CHECK_SOURCES_TASK, kwargs=check_kwargs)
        if checked.get("content"):  # block mode raises here: nothing saved, nothing charged
            job.content_flag_reason = content_verdict(mode=policy, **checked["content"])[:255]
        job.content_flag_reason = (job.content_flag_reason or gallery_flag)[:255]
        job.content_flagged = bool(job.content_flag_reason)
        job.analysis = checked["sources"]
        job.files = list(folder.saved)
        job = job_submit(job=job, start=start)
    except BaseException:
        folder.remove()
        raise
    folder.release_local()
    return job


def faceswap_job_process(*, user: User, job_id: uuid.UUID) -> FaceSwapJob:
    """process-swap: charge and queue a Draft job (job_queue refuses any other status); the engine's
    start checks the plan's limits again (the plan may have changed since the Draft was saved)."""
    return job_start(user=user, job_id=job_id, kind=FaceSwapJob.KIND)


def swap_preview_create(
    *,
    user: User,
    target_b64: str,
    options: FaceSwapBaseOptions,
    source: SourceInput | None = None,
    persons: list[PersonInput] | None = None,
    instance: uuid.UUID | None = None,
    label: bool | None = None,
) -> tuple[Preview, str]:
    """One frame through the swap pipeline; charged only when it succeeds. Returns (preview, JPEG b64)."""
    target = base64_image_decode(target_b64, field="target_image_base64")
    plan_limits_check(user=user, image_pixels=image_pixels_get(target))
    preview_id = uuid.uuid4()
    kwargs: dict = {"target": _b64(target), "options": options.model_dump(mode="json"),
                    "output_id": str(preview_id), "label": output_label_get(user=user, requested=label),
                    "persons": source_entries(source=source, persons=persons, store=lambda data, _: _b64(data))}
    job = job_get_for_user(user=user, job_id=instance) if instance else None
    price = preview_price(options)
    _require_credits(user=user, price=price)
    policy = content_policy_mode()
    if policy is ContentPolicyMode.BLOCK:  # FLAG marks jobs; a preview is not kept, so only BLOCK applies
        _gallery_verdict(mode=policy, source=source, persons=persons)
        kwargs["content_threshold"] = settings.ISAMURAI_NSFW_THRESHOLD
    answer = fast_task_call(SWAP_PREVIEW_TASK, kwargs=kwargs)
    if answer.get("content"):
        content_verdict(mode=policy, **answer["content"])
    image_b64 = answer["image_base64"]
    folder = UploadFolder(relpath=f"previews/{uuid.uuid4().hex}")
    folder.path.mkdir(parents=True, exist_ok=True)
    try:
        output_rel = folder.save_bytes(base64.b64decode(image_b64), stem="preview")
        with transaction.atomic():
            credits_charge(user=user, amount=price, job_kind="preview", job_id=preview_id, note="preview")
            preview = Preview.objects.create(id=preview_id, user=user, job=job, multi=persons is not None,
                                             enhance=getattr(options, "enhance", False), credits_charged=price,
                                             output_file=output_rel, quality_options=options_json(options))
    except BaseException:
        folder.remove()
        raise
    folder.release_local()
    return preview, image_b64


def frame_analyse(*, target_b64: str) -> list[dict]:
    target = base64_image_decode(target_b64, field="target_image_base64")
    return fast_task_call(SWAP_ANALYSE_FRAME_TASK, kwargs={"target": _b64(target)})["analysis"]


def _b64(data: bytes) -> str:
    """Standard base64 for the worker, whatever alphabet or data: prefix the client used."""
    return base64.b64encode(data).decode()


def previews_delete_for_user(*, user: User) -> int:
    """Delete every preview image of `user` now (the account is being deleted); returns how many."""
    deleted = 0
    for preview in Preview.objects.filter(user=user).exclude(output_file=""):
        _preview_file_delete(preview)
        deleted += 1
    return deleted


def _preview_file_delete(preview: Preview) -> None:
    """Delete a preview's image in the bucket and on this host; raises on a storage outage, so
    the record keeps its path and the next sweep tries again."""
    media_storage().delete(preview.output_file)
    shutil.rmtree(media_root() / Path(preview.output_file).parent, ignore_errors=True)
    Preview.objects.filter(pk=preview.pk).update(output_file="")


def previews_expire_due() -> int:
    """Retention: delete preview images older than ISAMURAI_RETENTION_HOURS (the charged record stays)."""
    cutoff = timezone.now() - retention_period()
    expired = 0
    for preview in Preview.objects.filter(created_at__lte=cutoff).exclude(output_file=""):
        try:
            _preview_file_delete(preview)
        except Exception:  # storage trouble: try again next sweep
            logger.exception("preview %s: could not delete %s", preview.id, preview.output_file)
            continue
        expired += 1
    return expired
