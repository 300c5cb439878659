"""Writes of self-service accounts: sign-up records and invites, sign-up credits, API keys
behind verification, suspension, and deleting an account."""
import logging

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ApiKey, User
from apps.accounts.services import api_key_create
from apps.core.exceptions import ApplicationError
from apps.core.models import IdempotencyRecord
from apps.jobs.kinds import all_kinds
from apps.jobs.models import ACTIVE_STATUSES, Job
from apps.jobs.services import job_cancel
from apps.ledger.services import credits_grant
from apps.ops.retention import user_media_delete
from workers.choices import SignupMode
from workers.errors import ErrorCategory

from .models import Invite, SignupRecord, Suspension
from .selectors import email_verification_pending
from .signals import account_deleted

logger = logging.getLogger(__name__)


class InviteUnusable(ApplicationError):
    def __init__(self) -> None:
        super().__init__("This invite code is unknown, used or expired; ask the operator for a new one.")


def signup_record_create(*, user: User, invite_code: str | None) -> SignupRecord:
    """Marks `user` as self-made. In invite mode a sign-up form's code (`invite_code` a string) is
    taken, once; None is an identity provider's sign-up, which needs none."""
    with transaction.atomic():
        if settings.ISAMURAI_SIGNUP == SignupMode.INVITE and invite_code is not None:
            now = timezone.now()
            taken = (Invite.objects.filter(code=invite_code.strip(), used_at__isnull=True)
                     .exclude(expires_at__lte=now).update(used_by=user, used_at=now))
            if taken != 1:
                raise InviteUnusable()
        return SignupRecord.objects.get_or_create(user=user)[0]


def signup_credits_grant(*, user: User) -> int:
    """ISAMURAI_SIGNUP_CREDITS for a self-made account whose email is verified, at most once."""
    amount = settings.ISAMURAI_SIGNUP_CREDITS
    with transaction.atomic():
        record = SignupRecord.objects.select_for_update().filter(user=user).first()
        if record is None or record.credits_granted_at is not None or email_verification_pending(user=user):
            return 0
        if amount > 0:
            credits_grant(user=user, amount=amount, note="sign-up credits")
        record.credits_granted_at, record.credits_granted = timezone.now(), max(amount, 0)
        record.save(update_fields=["credits_granted_at", "credits_granted"])
    return max(amount, 0)


class EmailNotVerified(ApplicationError):
    category = ErrorCategory.FORBIDDEN

    def __init__(self) -> None:
        super().__init__("Verify your email address first: follow the link in the mail we sent you "
                         "(or send it again from your profile).")


def account_api_key_create(*, user: User, name: str = "") -> tuple[ApiKey, str]:
    """An API key for the user's own use: only once their email is verified."""
    if email_verification_pending(user=user):
        raise EmailNotVerified()
    return api_key_create(user=user, name=name)


def _jobs_stop(user: User) -> int:
    """Stops every Queued or Processing job with the engine's stop-job refund; returns how many."""
    stopped = 0
    for job_id in list(Job.objects.filter(user=user, status__in=ACTIVE_STATUSES).values_list("pk", flat=True)):
        try:
            job_cancel(user=user, job_id=job_id)
            stopped += 1
        except ApplicationError:  # it finished meanwhile
            continue
    return stopped


def account_suspend(*, user: User, by: User | None = None, reason: str = "") -> int:
    """Suspends an account: its keys get 403, its sessions end, its running and queued jobs stop
    (refunded as stop-job refunds). Returns how many jobs were stopped."""
    with transaction.atomic():
        Suspension.objects.update_or_create(user=user, defaults={"reason": reason[:255], "suspended_by": by})
        User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    return _jobs_stop(user)


def account_unsuspend(*, user: User) -> None:
    with transaction.atomic():
        Suspension.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True


def account_delete(*, user: User) -> None:
    """"Delete my account": keys revoked at once, running jobs stopped (stop-job refunds), every
    file deleted on disk and in the bucket, every row of the person's deleted, and the user row
    kept, anonymised, for the ledger's sake (its entries stay, as the books need them)."""
    ApiKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    User.objects.filter(pk=user.pk).update(is_active=False)  # no new session or job from here on
    _jobs_stop(user)
    user_media_delete(user=user)  # every file of the person's work: jobs, previews, restores, gallery
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        account_deleted.send(sender=User, user=user)
        # A worker still on a just-stopped job finds no row at its next cancel check and drops its output.
        Job.objects.filter(user=user).delete()
        for files in (files for spec in all_kinds() for files in spec.user_files):
            files.model.objects.filter(user=user).delete()
        IdempotencyRecord.objects.filter(user=user).delete()
        ApiKey.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        SocialAccount.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        Invite.objects.filter(used_by=user).update(used_by=None)
        SignupRecord.objects.filter(user=user).delete()
        Suspension.objects.filter(user=user).delete()
        user.username = f"deleted-{user.pk}"
        user.email = user.first_name = user.last_name = user.webhook_secret = ""
        user.set_unusable_password()
        user.is_active = user.is_staff = user.is_superuser = False
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
    logger.info("account %s deleted (ledger kept, anonymised)", user.pk)
