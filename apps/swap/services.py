"""Face swap requests: validate and store the inputs, check the sources on a worker, price,
then create (and charge) the job, or run a preview. Any failure leaves no files and no rows
and charges nothing."""
import base64
import json
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.models import User
from apps.core.exceptions import ApplicationError
from apps.core.fast import fast_task_call
from apps.core.uploads import (
    UploadFolder,
    base64_image_decode,
    image_file_check,
    media_file_check,
    media_root,
)
from apps.jobs.models import FaceSwapJob
from apps.jobs.pricing import faceswap_image_price, faceswap_video_price, preview_price
from apps.jobs.selectors import job_get_for_user, job_id_parse
from apps.jobs.services import job_queue
from apps.ledger.selectors import credit_balance_get
from apps.ledger.services import InsufficientCredits, credits_charge
from apps.ops.webhooks import webhook_url_validate
from apps.provenance.policy import content_policy_mode, content_verdict
from apps.restore.services import gallery_source_bytes
from workers.choices import FACE_SELECTIONS

from .models import Preview
from .tasks import swap_analyse_frame_task, swap_check_sources_task, swap_preview_task

PERSON_ID = re.compile(r"^P[1-9][0-9]{0,3}$")


@dataclass
class PersonInput:
    """One entry of a multi swap's analysis_results."""

    person_id: str
    thumbnail: bytes
    source: bytes | None


def _require_credits(*, user: User, price: int) -> None:
    """Fail fast (403, no work done) when the balance can't cover `price`; the charge itself
    happens later under the ledger's row lock."""
    have = credit_balance_get(user=user)
    if have < price:
        raise InsufficientCredits(need=price, have=have)


def faceswap_price(*, job: FaceSwapJob) -> int:
    if job.media_type == FaceSwapJob.MediaType.IMAGE:
        return faceswap_image_price()
    return faceswap_video_price(duration_seconds=job.duration_seconds or 0)


def analysis_results_parse(*, user: User, raw: object, field: str = "analysis_results") -> list[PersonInput]:
    """The multi swap's person list (JSON string or list) -> validated PersonInputs."""
    def bad(message: str) -> ApplicationError:
        return ApplicationError(f"{field}: {message}", details={field: [message]})

    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise bad("not valid JSON; send the list returned by analyse-frame, as a JSON string.") from None
    if not isinstance(raw, list) or not raw:
        raise bad("must be a non-empty list of persons from analyse-frame.")
    persons: list[PersonInput] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise bad(f"entry {index} is not an object with person_id, thumbnail and source_image.")
        person_id = entry.get("person_id")
        if not isinstance(person_id, str) or not PERSON_ID.match(person_id):
            raise bad(f"entry {index} has an unknown person_id {person_id!r}; use the P1, P2, ... ids "
                      "returned by analyse-frame.")
        if person_id in seen:
            raise bad(f"person_id {person_id} appears twice; give each person once.")
        seen.add(person_id)
        thumbnail = base64_image_decode(entry.get("thumbnail"), field=f"{person_id}.thumbnail")
        source_raw, source_id = entry.get("source_image"), entry.get("source_id")
        if source_id:
            gallery_id = job_id_parse(raw=source_id, field=f"{person_id}.source_id")
            source = gallery_source_bytes(user=user, source_id=gallery_id)
        else:
            source = base64_image_decode(source_raw, field=f"{person_id}.source_image") if source_raw else None
        persons.append(PersonInput(person_id=person_id, thumbnail=thumbnail, source=source))
    if not any(person.source for person in persons):
        raise bad("no person has a source_image (or source_id); add one to each person to swap.")
    return persons


def faceswap_job_create(
    *,
    user: User,
    target: UploadedFile,
    gquality: str,
    source: UploadedFile | None = None,
    source_id: uuid.UUID | None = None,
    persons: list[PersonInput] | None = None,
    name: str = "",
    description: str = "",
    enhance: bool = False,
    face_selection: str = FACE_SELECTIONS.default,
    start: bool = True,
    webhook_url: str = "",
    label: bool | None = None,
) -> FaceSwapJob:
    """full-process-swap / faceswap (Draft) / multiple-face-swap."""
    if webhook_url:
        webhook_url_validate(webhook_url)
    folder = UploadFolder.create()
    try:
        inputs: dict[str, str] = {}
        check_kwargs: dict = {}
        if persons is None and source_id is not None:
            gallery_image = gallery_source_bytes(user=user, source_id=source_id)
            inputs["source"] = folder.save_bytes(gallery_image, name="source.img")
            check_kwargs["source"] = inputs["source"]
        elif persons is None:
            inputs["source"] = folder.save_upload(source, stem="source")
            image_file_check(media_root() / inputs["source"], field="source_image")
            check_kwargs["source"] = inputs["source"]
        else:
            entries = []
            for person in persons:
                entry = {"person_id": person.person_id,
                         "thumbnail": folder.save_bytes(person.thumbnail, name=f"thumbnail_{person.person_id}.img")}
                inputs[f"thumbnail:{person.person_id}"] = entry["thumbnail"]
                if person.source:
                    entry["source"] = folder.save_bytes(person.source, name=f"source_{person.person_id}.img")
                    inputs[f"source:{person.person_id}"] = entry["source"]
                entries.append(entry)
            check_kwargs["persons"] = entries
        inputs["target"] = folder.save_upload(target, stem="target")
        media = media_file_check(media_root() / inputs["target"], field="target_media")

        job = FaceSwapJob(
            user=user, kind="faceswap", inputs=inputs, name=name, description=description, gquality=gquality,
            enhance=enhance, multi=persons is not None, media_type=media.media_type,
            duration_seconds=media.duration_seconds, face_selection=face_selection,
            analysis=[{"person_id": p.person_id, "has_source": bool(p.source)} for p in persons or []],
            webhook_url=webhook_url, label=settings.ISAMURAI_VISIBLE_LABEL if label is None else label,
        )
        price = faceswap_price(job=job)
        if start:
            _require_credits(user=user, price=price)
        policy = content_policy_mode()
        if policy != "off":
            check_kwargs.update(target=inputs["target"], target_is_image=job.media_type == FaceSwapJob.MediaType.IMAGE,
                                refuse_at=settings.ISAMURAI_NSFW_THRESHOLD if policy == "block" else None)
        checked = fast_task_call(swap_check_sources_task, kwargs=check_kwargs)
        if checked.get("content"):
            job.content_flag_reason = content_verdict(mode=policy, **checked["content"])[:255]
            job.content_flagged = bool(job.content_flag_reason)
        with transaction.atomic():
            job.save()
            if start:
                job = job_queue(job=job, price=price)
        return job
    except BaseException:
        folder.remove()
        raise


def faceswap_job_process(*, user: User, job_id: uuid.UUID) -> FaceSwapJob:
    """process-swap: charge and queue a Draft job (job_queue refuses any other status)."""
    job = job_get_for_user(user=user, job_id=job_id, kind="faceswap")
    return job_queue(job=job, price=faceswap_price(job=job))


def swap_preview_create(
    *,
    user: User,
    target_b64: str,
    source_b64: str | None = None,
    source_id: uuid.UUID | None = None,
    persons: list[PersonInput] | None = None,
    enhance: bool = False,
    face_selection: str = FACE_SELECTIONS.default,
    instance: uuid.UUID | None = None,
    label: bool | None = None,
) -> tuple[Preview, str]:
    """One frame through the swap pipeline; charged only when it succeeds. Returns (preview, JPEG b64)."""
    target = base64_image_decode(target_b64, field="target_image_base64")
    preview_id = uuid.uuid4()
    kwargs: dict = {"target": _b64(target), "enhance": enhance, "face_selection": face_selection,
                    "output_id": str(preview_id), "label": label}
    if persons is None and source_id is not None:
        kwargs["source"] = _b64(gallery_source_bytes(user=user, source_id=source_id))
    elif persons is None:
        kwargs["source"] = _b64(base64_image_decode(source_b64, field="source_image_base64"))
    else:
        kwargs["persons"] = [
            {"person_id": p.person_id, "thumbnail": _b64(p.thumbnail), "source": _b64(p.source) if p.source else None}
            for p in persons
        ]
    job = job_get_for_user(user=user, job_id=instance) if instance else None
    price = preview_price(enhance=enhance)
    _require_credits(user=user, price=price)
    policy = content_policy_mode()
    if policy == "block":  # "flag" marks jobs; a preview is not kept, so only "block" applies
        kwargs["content_threshold"] = settings.ISAMURAI_NSFW_THRESHOLD
    answer = fast_task_call(swap_preview_task, kwargs=kwargs)
    if answer.get("content"):
        content_verdict(mode=policy, **answer["content"])
    image_b64 = answer["image_base64"]
    folder = UploadFolder(relpath=f"previews/{uuid.uuid4().hex}")
    folder.path.mkdir(parents=True, exist_ok=True)
    try:
        output_rel = folder.save_bytes(base64.b64decode(image_b64), name="preview.jpg")
        with transaction.atomic():
            credits_charge(user=user, amount=price, job_kind="preview", job_id=preview_id, note="preview")
            preview = Preview.objects.create(id=preview_id, user=user, job=job, multi=persons is not None,
                                             enhance=enhance, credits_charged=price, output_file=output_rel)
    except BaseException:
        folder.remove()
        raise
    return preview, image_b64


def frame_analyse(*, target_b64: str) -> list[dict]:
    target = base64_image_decode(target_b64, field="target_image_base64")
    return fast_task_call(swap_analyse_frame_task, kwargs={"target": _b64(target)})["analysis"]


def _b64(data: bytes) -> str:
    """Standard base64 for the worker, whatever alphabet or data: prefix the client used."""
    return base64.b64encode(data).decode()
