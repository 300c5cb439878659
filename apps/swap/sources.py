"""What a swap request says about its sources, parsed once into :class:`SourceInput` /
:class:`PersonInput`, and sent to a worker as one list of entries (``source_entries``).

A person's source is one or several photos (uploaded, base64) and/or gallery sources; gallery
sources bring the embedding stored at upload, so they are not analysed again. A worker turns the
entries into ``workers.pipelines.sources.SwapSources`` (the job stores that), averaging several
photos of one person into one identity.
"""
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from apps.accounts.models import User
from apps.core.content_policy import content_policy_mode
from apps.core.exceptions import ApplicationError
from apps.core.uploads import base64_image_decode
from apps.jobs.selectors import job_id_parse
from apps.restore.services import gallery_source_bytes, gallery_source_get
from workers.choices import ContentPolicyMode
from workers.pipelines.source_limits import MAX_SOURCE_PHOTOS, SINGLE_SOURCE_KEY

PERSON_ID = re.compile(r"^P[1-9][0-9]{0,3}$")


def _bad(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(f"{field_name}: {message}", details={field_name: [message]})


@dataclass
class SourceInput:
    """The photos of one person to swap in, and the stored identities of gallery sources; all
    of them average into one identity. ``labels`` names each photo's request field."""

    photos: list[bytes] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    embeddings: list[list[float]] = field(default_factory=list)
    # What the content policy said at upload about gallery sources used by embedding ("field: reason").
    content_flags: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.photos) + len(self.embeddings)

    def add_photo(self, data: bytes, *, label: str) -> None:
        self.photos.append(data)
        self.labels.append(label)


@dataclass
class PersonInput:
    """One entry of a multi swap's analysis_results."""

    person_id: str
    thumbnail: bytes
    source: SourceInput | None


def _labelled(name: str, count: int) -> list[str]:
    return [name] if count == 1 else [f"{name}[{index}]" for index in range(count)]


def source_input_build(
    *,
    user: User,
    photos: Sequence[tuple[str, bytes]] = (),
    gallery_ids: Sequence[tuple[str, uuid.UUID]] = (),
    count_field: str,
) -> SourceInput:
    """One person's source from (field, image bytes) photos and (field, id) gallery sources.

    A gallery source with a stored embedding is used by it; one without (stored before
    embeddings were, or without a face), or never scanned by a content policy now on, is sent as
    a photo, so it is checked like an upload.
    More than MAX_SOURCE_PHOTOS in all is a 400 naming ``count_field``.
    """
    total = len(photos) + len(gallery_ids)
    if total > MAX_SOURCE_PHOTOS:
        raise _bad(count_field, f"at most {MAX_SOURCE_PHOTOS} photos of one person can be averaged; "
                                f"got {total}. Send the {MAX_SOURCE_PHOTOS} best ones.")
    source = SourceInput()
    for label, data in photos:
        source.add_photo(data, label=label)
    for label, gallery_id in gallery_ids:
        row = gallery_source_get(user=user, source_id=gallery_id)
        # A source stored while the content policy was off has no verdict: it goes as a photo,
        # so the swap's check scans it.
        if row.embedding and (row.content_scanned or content_policy_mode() is ContentPolicyMode.OFF):
            source.embeddings.append([float(value) for value in row.embedding])
            if row.content_flag_reason:
                source.content_flags.append(f"{label}: {row.content_flag_reason}")
        else:
            source.add_photo(gallery_source_bytes(user=user, source_id=gallery_id), label=label)
    return source


def labelled(name: str, items: Sequence) -> list[tuple[str, object]]:
    """``[(field label, item)]``: ``name`` for a single item, ``name[i]`` for several."""
    return list(zip(_labelled(name, len(items)), items, strict=True))


def source_input_from_fields(
    *,
    user: User,
    source_id: uuid.UUID | None,
    photos: Sequence[tuple[str, bytes]],
    extra_photos: Sequence[tuple[str, bytes]] = (),
    source_ids: Sequence[uuid.UUID] = (),
    count_field: str,
) -> SourceInput:
    """A single swap's source from its request fields. As before the extension, a gallery
    ``source_id`` wins over the contract's photo field (``photos``); ``extra_photos``
    (``source_images``) and ``source_ids`` add photos of the same person to either."""
    gallery = [("source_id", source_id)] if source_id else []
    gallery += labelled("source_ids", list(source_ids))
    chosen = [] if source_id else list(photos)
    return source_input_build(user=user, photos=[*chosen, *extra_photos], gallery_ids=gallery,
                              count_field=count_field)


def _list_field(entry: dict, name: str, field_name: str) -> list:
    value = entry.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(field_name, "must be a list.")
    return value


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
        photos: list[tuple[str, bytes]] = []
        gallery: list[tuple[str, uuid.UUID]] = []
        if entry.get("source_id"):
            label = f"{person_id}.source_id"
            gallery.append((label, job_id_parse(raw=entry["source_id"], field=label)))
        elif entry.get("source_image"):
            label = f"{person_id}.source_image"
            photos.append((label, base64_image_decode(entry["source_image"], field=label)))
        many_photos = _list_field(entry, "source_images", f"{person_id}.source_images")
        for label, item in zip(_labelled(f"{person_id}.source_images", len(many_photos)), many_photos,
                               strict=True):
            photos.append((label, base64_image_decode(item, field=label)))
        many_ids = _list_field(entry, "source_ids", f"{person_id}.source_ids")
        for label, item in zip(_labelled(f"{person_id}.source_ids", len(many_ids)), many_ids, strict=True):
            gallery.append((label, job_id_parse(raw=item, field=label)))
        source = (source_input_build(user=user, photos=photos, gallery_ids=gallery,
                                     count_field=f"{person_id}.source_images") if photos or gallery else None)
        persons.append(PersonInput(person_id=person_id, thumbnail=thumbnail, source=source))
    if not any(person.source for person in persons):
        raise bad("no person has a source_image (or source_id); add one to each person to swap.")
    return persons


def source_entries(*, source: SourceInput | None, persons: list[PersonInput] | None,
                   store: Callable[[bytes, str], str]) -> list[dict]:
    """The worker's view of a swap's sources: one entry per person (``source`` for a single swap)
    with its thumbnail, source photos (as ``store`` hands them over: base64 or a media path),
    their labels and the gallery embeddings."""
    def entry(person_id: str, thumbnail: bytes | None, person_source: SourceInput | None) -> dict:
        person_source = person_source or SourceInput()
        return {
            "person_id": person_id,
            "thumbnail": store(thumbnail, f"thumbnail_{person_id}") if thumbnail is not None else None,
            "sources": [store(photo, f"source_{person_id}_{index}")
                        for index, photo in enumerate(person_source.photos)],
            "labels": list(person_source.labels),
            "known": person_source.embeddings,
        }

    if persons is None:
        return [entry(SINGLE_SOURCE_KEY, None, source)]
    return [entry(person.person_id, person.thumbnail, person.source) for person in persons]


def gallery_content_flags(*, source: SourceInput | None, persons: list[PersonInput] | None) -> list[str]:
    """The content policy's flags, from upload, of the gallery sources a swap uses by embedding."""
    sources = [source] if persons is None else [person.source for person in persons]
    return [flag for each in sources if each for flag in each.content_flags]
