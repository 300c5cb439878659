"""Reads about self-service accounts: invites, verification, and the "download my data" zip."""
import csv
import io
import json
import zipfile
from pathlib import PurePosixPath
from typing import BinaryIO

from allauth.account.models import EmailAddress
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from apps.accounts.models import User
from apps.core.storage import media_storage
from apps.jobs.kinds import all_kinds, job_kind_get
from apps.jobs.models import Job, JobStatus
from apps.jobs.selectors import job_concrete, jobs_list_for_user
from apps.ledger.selectors import ledger_entries_list

from .models import Invite


def invite_usable_get(*, code: str) -> Invite | None:
    """The unused, unexpired invite with this code, or None."""
    invite = Invite.objects.filter(code=code.strip(), used_at__isnull=True).first()
    if invite is None or (invite.expires_at is not None and invite.expires_at <= timezone.now()):
        return None
    return invite


def email_verification_pending(*, user: User) -> bool:
    """True for an account that has email addresses but none verified yet. Accounts the operator
    made (admin, create_api_user) have none and are trusted as they are."""
    addresses = EmailAddress.objects.filter(user=user)
    return addresses.exists() and not addresses.filter(verified=True).exists()


LEDGER_CSV_COLUMNS = ("created_at", "kind", "delta", "balance_after", "job_kind", "job_id", "note")


def ledger_csv_text(*, user: User) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LEDGER_CSV_COLUMNS)
    for entry in ledger_entries_list(user=user).order_by("created_at", "id"):
        writer.writerow([entry.created_at.isoformat(), entry.kind, entry.delta, entry.balance_after,
                         entry.job_kind, entry.job_id or "", entry.note])
    return out.getvalue()


def _job_metadata(job: Job) -> dict:
    concrete = job_concrete(job)
    return {
        "id": job.id, "kind": job.kind, "status": job.status, "created_at": job.created_at,
        "queued_at": job.queued_at, "started_at": job.started_at, "finished_at": job.finished_at,
        "credits_charged": job.credits_charged, "error": job.error, "webhook_url": job.webhook_url,
        "label": job.label, "report": job.report, "expired_at": job.expired_at,
        "inputs": {name: PurePosixPath(path).name for name, path in (job.inputs or {}).items() if path},
        # What the API answers for this job (its kind's job object).
        "job_object": job_kind_get(job.kind).job_object(concrete),
    }


def _outputs_within_retention(user: User) -> list[tuple[str, str]]:
    """(name in the zip, media relpath) of every file of the user's that retention still keeps."""
    files = []
    for job in Job.objects.filter(user=user, status=JobStatus.DONE, expired_at__isnull=True).exclude(output_file=""):
        files.append((f"outputs/{job.id}{PurePosixPath(job.output_file).suffix}", job.output_file))
    for kind_files in (files for spec in all_kinds() for files in spec.user_files):  # previews, restores, ...
        for row in kind_files.model.objects.filter(user=user).exclude(**{kind_files.file_field: ""}):
            relpath = getattr(row, kind_files.file_field)
            files.append((f"{kind_files.folder}/{row.pk}{PurePosixPath(relpath).suffix}", relpath))
    return files


def account_data_zip_write(*, user: User, into: BinaryIO) -> list[str]:
    """Writes "download my data" into `into`: account.json, jobs.json (every job's metadata),
    ledger.csv and the files still within retention. Returns the names written."""
    storage = media_storage()
    account = {
        "username": user.username, "email": user.email, "date_joined": user.date_joined,
        "plan": user.plan.name if user.plan_id else None,
        "email_addresses": list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary")),
        "api_keys": [{"prefix": f"isk_{key.prefix}", "name": key.name, "created_at": key.created_at,
                      "last_used_at": key.last_used_at, "revoked_at": key.revoked_at}
                     for key in user.api_keys.all()],
        "exported_at": timezone.now(),
    }
    jobs = [_job_metadata(job) for job in jobs_list_for_user(user=user)]
    names = []
    with zipfile.ZipFile(into, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("account.json", json.dumps(account, cls=DjangoJSONEncoder, indent=2)),
                           ("jobs.json", json.dumps(jobs, cls=DjangoJSONEncoder, indent=2)),
                           ("ledger.csv", ledger_csv_text(user=user))):
            archive.writestr(name, text)
            names.append(name)
        for name, relpath in _outputs_within_retention(user):
            try:
                local = storage.fetch(relpath)
            except Exception:  # gone since it was listed (retention ran): nothing to export
                continue
            if local.is_file():
                archive.write(local, name, compress_type=zipfile.ZIP_STORED)  # media is compressed already
                names.append(name)
    return names
