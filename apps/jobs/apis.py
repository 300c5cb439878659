from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponseRedirect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import ApplicationError, NotFound
from apps.core.media_types import media_format_of_file
from apps.core.schema import with_errors
from apps.core.storage import media_link_valid, media_storage

from .kinds import job_kind_for_name, job_kinds
from .selectors import job_get_for_user, job_id_parse
from .serializers import JobProgressBodySerializer, JobProgressOutputSerializer, StopJobOutputSerializer
from .services import job_cancel, job_files_delete_for_user


def job_progress_body(job) -> dict:
    """What a progress endpoint answers about one of the caller's jobs (any kind)."""
    body = dict(JobProgressOutputSerializer(job).data)
    body["multi"] = job.is_multi()
    return body


class JobProgressApi(APIView):
    """GET <progress route>?id=<id>: the progress of one of the caller's jobs; of `kind` when the
    product's route sets one, else of any kind."""

    kind: str | None = None

    @extend_schema(
        parameters=[
            OpenApiParameter("id", OpenApiTypes.STR, required=True, description="The job id."),
            OpenApiParameter("multi", OpenApiTypes.STR, required=False, description="Accepted, not needed."),
        ],
        responses=with_errors({200: JobProgressBodySerializer}), summary="Job progress",
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("id")
        if not raw:
            raise ApplicationError("Pass the job id as ?id=<id>.", details={"id": ["This field is required."]})
        job = job_get_for_user(user=request.user, job_id=job_id_parse(raw=raw), kind=self.kind)
        return Response(job_progress_body(job))


class JobProgressByPathApi(APIView):
    """GET <progress route>/<project_id>: the progress of one job of `kind`, its id in the path."""

    kind: str | None = None

    @extend_schema(responses=with_errors({200: JobProgressBodySerializer}), summary="Job progress")
    def get(self, request: Request, project_id: str) -> Response:
        job_id = job_id_parse(raw=project_id, field="project_id")
        job = job_get_for_user(user=request.user, job_id=job_id, kind=self.kind)
        return Response(job_progress_body(job))


class StopJobApi(APIView):
    class InputSerializer(serializers.Serializer):
        id = serializers.CharField()
        type = serializers.ChoiceField(choices=[], required=False)

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            # The registered kinds and their variants (faceswap, multiswap, slowmotion, ...).
            self.fields["type"].choices = sorted(name for spec in job_kinds() for name in spec.names())

    @extend_schema(request=InputSerializer, responses=with_errors({200: StopJobOutputSerializer}),
                   summary="Stop a job (50% refund)")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job_id = job_id_parse(raw=data.validated_data["id"])
        named = job_kind_for_name(data.validated_data.get("type", ""))
        kind = named.kind if named else None
        job, refunded = job_cancel(user=request.user, job_id=job_id, kind=kind)
        return Response({"success": True, "id": str(job.id), "status": job.status, "refunded_credits": refunded})


class JobDetailApi(APIView):
    """Extension: DELETE jobs/<id>/ removes the job's inputs and output now, before retention does."""

    class DeleteOutputSerializer(serializers.Serializer):
        success = serializers.BooleanField()
        id = serializers.UUIDField()
        status = serializers.CharField()
        deleted_files = serializers.IntegerField()
        expires_at = serializers.DateTimeField()

    @extend_schema(responses=with_errors({200: DeleteOutputSerializer}), summary="Delete a job's files now")
    def delete(self, request: Request, job_id: str) -> Response:
        job, deleted = job_files_delete_for_user(user=request.user, job_id=job_id_parse(raw=job_id))
        return Response(self.DeleteOutputSerializer({"success": True, "id": job.id, "status": job.status,
                                                     "deleted_files": deleted,
                                                     "expires_at": job.expired_at}).data)


# A media answer is never a document that runs anything: no script, no plugin, no form, and a
# sandbox (an opaque origin) should a browser still render it as a page. The browser's own viewer
# of a picture styles it inline (styles run no code).
MEDIA_CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src 'self' data:; media-src 'self'; "
                                 "style-src 'unsafe-inline'; sandbox")


def media_file_response(target: Path) -> FileResponse:
    """The file with the type of the format its bytes are in (whatever its name says); a file in
    no image or video format is an opaque download."""
    fmt = media_format_of_file(target)
    response = FileResponse(open(target, "rb"), as_attachment=not fmt.kind,
                            filename=f"{target.stem}{fmt.extension}", content_type=fmt.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CONTENT_SECURITY_POLICY
    # The browser's video viewer, sandboxed to an opaque origin, fetches the file in CORS mode. A
    # signed link is the capability itself, and no cookie is involved, so any origin may read it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


class MediaApi(APIView):
    """Serves finished outputs and thumbnails. Their paths carry a random token, as the hosted
    service's do, and an expiry with an HMAC signature, so a link can be handed to a browser or a
    download tool without the key, for a bounded time."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")},
                   auth=[], summary="Download an output or thumbnail")  # the error statuses: core.schema
    def get(self, request: HttpRequest, path: str):
        if not media_link_valid(relpath=path, expires=request.GET.get("expires"),
                                signature=request.GET.get("signature")):
            raise NotFound(f"No media at /api/media/{path}: the link has expired or is not a link this server "
                           "signed. Ask the API for the job (or gallery) again to get a fresh link.")
        root = Path(settings.ISAMURAI_MEDIA_ROOT).resolve()
        public = ("outputs", "restored", "thumbnails", "previews", "gallery")
        try:  # a name the filesystem can't hold (too long, NUL) is simply not there
            target = (root / path).resolve()
            found = target.is_file()
        except (OSError, ValueError):
            raise NotFound(f"No media at /api/media/{path!r}.") from None
        if not target.is_relative_to(root) or target.relative_to(root).parts[:1] not in [(p,) for p in public]:
            raise NotFound(f"No media at /api/media/{path}.")
        if not found:
            if settings.ISAMURAI_S3_BUCKET:  # this host's cache lacks it: the bucket has it
                expires_at = datetime.fromtimestamp(int(request.GET["expires"]), tz=UTC)
                return HttpResponseRedirect(media_storage().url(str(target.relative_to(root)), expires_at=expires_at))
            raise NotFound(f"No media at /api/media/{path}; it may have been deleted.")
        return media_file_response(target)
