"""A swap's sources, analysed once: who goes where, as one serialisable value.

:class:`SwapSources` is the one representation of what a face swap puts in place of what: a
single swap is one entry keyed ``source`` (the face to swap in), a multi swap one entry per
person of the frame analysis (``P1``, ``P2``, ..) with the person's face as seen in the target
(from its thumbnail) and, for persons to swap, their source face. Each face is a
:class:`FaceIdentity`: its unit ArcFace embedding (and its box where it comes from one photo).

The submission-time check (a fast-queue worker) builds it from the uploaded images; the job keeps
its JSON, and the GPU worker builds the frame swapper from it without decoding, detecting or
embedding the sources again. A gallery source brings the embedding stored at upload.
Several photos of one person average into one identity (:func:`mean_identity`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from workers.choices import FACE_SELECTIONS, FaceSelection
from workers.faces.analyser import Face, FaceAnalyser, largest, most_prominent
from workers.faces.embedder import normalise
from workers.faces.matching import (
    SINGLE_SOURCE_KEY,
    AllFacesSelector,
    FaceSelector,
    KnownPersonsSelector,
    ReferencePersonSelector,
)
from workers.faces.swapper_base import FaceSwapper
from workers.pipelines.context import PipelineError
from workers.pipelines.source_limits import MAX_SOURCE_PHOTOS  # noqa: F401 (re-exported)

EMBEDDING_SIZE = 512
# Photos of one person averaged into one identity, at most (each is decoded, detected and embedded).
NO_SOURCE_FACE = ("No face was found in the source image; upload a photo where one face is clearly "
                  "visible and not too small.")


@dataclass(frozen=True, eq=False)
class FaceIdentity:
    """One person's identity: the unit ArcFace embedding of one face, or the normalised mean of
    several photos' (``photos`` > 1); ``box`` (x1, y1, x2, y2) where it comes from one image."""

    embedding: np.ndarray
    box: tuple[float, float, float, float] | None = None
    photos: int = 1

    def __post_init__(self) -> None:
        embedding = np.asarray(self.embedding, dtype=np.float32).reshape(-1)
        if embedding.shape != (EMBEDDING_SIZE,) or not np.all(np.isfinite(embedding)):
            raise ValueError(f"an identity is {EMBEDDING_SIZE} finite floats, got shape {embedding.shape}")
        object.__setattr__(self, "embedding", embedding)

    @classmethod
    def of_face(cls, face: Face) -> FaceIdentity:
        if face.embedding is None:
            raise ValueError("the face was analysed without its embedding")
        return cls(face.embedding, tuple(float(v) for v in face.box))

    def to_json(self) -> dict[str, Any]:
        # float32 -> float -> JSON -> float32 is exact, so a stored identity swaps like a fresh one.
        return {"embedding": [float(v) for v in self.embedding],
                "box": None if self.box is None else [round(v, 2) for v in self.box],
                "photos": self.photos}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaceIdentity:
        box = data.get("box")
        return cls(np.asarray(data["embedding"], np.float32), None if box is None else tuple(box),
                   int(data.get("photos", 1)))


def mean_identity(identities: Sequence[FaceIdentity]) -> FaceIdentity:
    """One identity from several photos of a person: the L2-normalised mean of their unit
    embeddings. One photo is returned as it is, so a single source swaps exactly as before."""
    if not identities:
        raise ValueError("no identity to average")
    if len(identities) == 1:
        return identities[0]
    mean = np.mean(np.stack([identity.embedding for identity in identities]), axis=0)
    return FaceIdentity(normalise(mean[None])[0], None, sum(identity.photos for identity in identities))


@dataclass(frozen=True)
class PersonSources:
    """One entry of a swap: ``person_id`` (``source`` for a single swap, ``P1``.. for multi),
    the person as seen in the target (multi only) and the face to swap in (None: left as is)."""

    person_id: str
    thumbnail: FaceIdentity | None = None
    source: FaceIdentity | None = None

    def to_json(self) -> dict[str, Any]:
        return {"person_id": self.person_id, "has_source": self.source is not None,
                "thumbnail": self.thumbnail.to_json() if self.thumbnail else None,
                "source": self.source.to_json() if self.source else None}


@dataclass(frozen=True)
class SwapSources:
    persons: tuple[PersonSources, ...]

    @property
    def multi(self) -> bool:
        return not (len(self.persons) == 1 and self.persons[0].person_id == SINGLE_SOURCE_KEY)

    @classmethod
    def single(cls, source: FaceIdentity) -> SwapSources:
        return cls((PersonSources(SINGLE_SOURCE_KEY, None, source),))

    def to_json(self) -> list[dict[str, Any]]:
        return [person.to_json() for person in self.persons]

    @classmethod
    def from_json(cls, data: Sequence[Mapping[str, Any]] | None) -> SwapSources | None:
        """The stored value; None for an empty or legacy one (person ids without identities),
        whose images the pipeline then analyses itself."""
        if not data:
            return None
        persons = []
        for entry in data:
            thumbnail, source = entry.get("thumbnail"), entry.get("source")
            if entry.get("has_source") and not isinstance(source, Mapping):
                return None  # written before identities were stored
            persons.append(PersonSources(
                str(entry["person_id"]),
                FaceIdentity.from_json(thumbnail) if isinstance(thumbnail, Mapping) else None,
                FaceIdentity.from_json(source) if isinstance(source, Mapping) else None))
        return cls(tuple(persons))


# -- analysis (the submission-time check, previews, and jobs given images) ------------------------

def source_face_check(models, image: np.ndarray) -> Face:
    """The largest face of a source image, with its embedding; PipelineError when there is none."""
    faces = FaceAnalyser(models).analyse(image)
    if not faces:
        raise PipelineError(NO_SOURCE_FACE)
    return largest(faces)


def source_identity(analyser: FaceAnalyser, images: np.ndarray | Sequence[np.ndarray], *,
                    labels: Sequence[str] | None = None, known: Sequence[FaceIdentity] = (),
                    no_face: str = NO_SOURCE_FACE) -> FaceIdentity:
    """The identity of one person from one or several photos (largest face of each) plus
    ``known`` identities (e.g. a gallery's stored embeddings), averaged.

    A photo without a face fails with ``no_face`` when it is the only one, else with a sentence
    naming that photo by its ``labels`` entry (the request field it came from).
    """
    photos = [images] if isinstance(images, np.ndarray) else list(images)
    if len(photos) + len(known) > MAX_SOURCE_PHOTOS:
        raise PipelineError(f"At most {MAX_SOURCE_PHOTOS} photos of one person can be averaged; "
                            f"got {len(photos) + len(known)}.")
    identities = list(known)
    for index, photo in enumerate(photos):
        faces = analyser.analyse(photo)
        if not faces:
            if len(photos) + len(known) == 1:
                raise PipelineError(no_face)
            label = labels[index] if labels and index < len(labels) else f"source photo {index + 1}"
            raise PipelineError(f"No face was found in {label}; send only photos where the person's face "
                                "is clearly visible and not too small.")
        identities.append(FaceIdentity.of_face(largest(faces)))
    return mean_identity(identities)


def _thumbnail_face(analyser: FaceAnalyser, thumbnail: np.ndarray) -> Face | None:
    faces = analyser.analyse(thumbnail)
    if not faces:
        # A tight crop leaves the detector no context around the face: pad it and look again.
        pad = max(thumbnail.shape[:2]) // 2
        padded = cv2.copyMakeBorder(thumbnail, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        faces = analyser.analyse(padded)
    return most_prominent(faces, thumbnail.shape) if faces else None


SourceImages = np.ndarray | Sequence[np.ndarray]


def sources_analyse(
    analyser: FaceAnalyser,
    sources: Mapping[str, SourceImages] | SourceImages,
    thumbnails: Mapping[str, np.ndarray] | None = None,
    *,
    labels: Mapping[str, Sequence[str]] | None = None,
    known: Mapping[str, Sequence[FaceIdentity]] | None = None,
) -> SwapSources:
    """Decode-free analysis of a swap's images into :class:`SwapSources`.

    Single swap: ``sources`` is one image or a list of photos of the one person. Multi swap:
    ``sources`` maps person ids to their photos and ``thumbnails`` every person of the frame
    analysis to its thumbnail; only persons with a source change, but all are followed, so a
    face never gets a source meant for somebody else. ``known`` adds stored identities per
    person (gallery sources), ``labels`` names each photo for error messages.
    """
    labels, known = labels or {}, known or {}
    if thumbnails is None:  # single swap
        return SwapSources.single(source_identity(
            analyser, sources if sources is not None else [], labels=labels.get(SINGLE_SOURCE_KEY),
            known=known.get(SINGLE_SOURCE_KEY, ())))
    persons: list[PersonSources] = []
    for person_id, thumbnail in thumbnails.items():
        face = _thumbnail_face(analyser, thumbnail)
        wanted = person_id in sources or person_id in known
        if face is None:
            if wanted:
                raise PipelineError(f"No face was found in the thumbnail of {person_id}; run the frame "
                                    "analysis again and send its thumbnails unchanged.")
            continue
        persons.append(PersonSources(person_id, FaceIdentity.of_face(face)))
    found = {person.person_id for person in persons}
    for person_id in [*sources, *(key for key in known if key not in sources)]:
        if person_id not in found:
            raise PipelineError(f"{person_id} has a source image but no thumbnail from the frame "
                                "analysis; send each person's thumbnail with its source image.")
    for index, person in enumerate(persons):
        if person.person_id not in sources and person.person_id not in known:
            continue
        identity = source_identity(
            analyser, sources.get(person.person_id, []), labels=labels.get(person.person_id),
            known=known.get(person.person_id, ()),
            no_face=(f"No face was found in the source image of {person.person_id}; upload a photo "
                     "where one face is clearly visible."))
        persons[index] = PersonSources(person.person_id, person.thumbnail, identity)
    return SwapSources(tuple(persons))


def selector_and_latents(swapper: FaceSwapper, sources: SwapSources,
                         face_selection: FaceSelection = FACE_SELECTIONS.default,
                         ) -> tuple[FaceSelector, dict[str, np.ndarray]]:
    """The face selector of a swap and the swapper latent of each source (computed once)."""
    latents = {person.person_id: swapper.source_latent(person.source.embedding)
               for person in sources.persons if person.source is not None}
    if not sources.multi:
        try:
            face_selection = FACE_SELECTIONS.parse(face_selection)
        except ValueError as exc:
            raise PipelineError(str(exc)) from None
        return (AllFacesSelector() if face_selection is FaceSelection.ALL else ReferencePersonSelector()), latents
    persons = {person.person_id: person.thumbnail.embedding for person in sources.persons
               if person.thumbnail is not None}
    return KnownPersonsSelector(persons), latents
