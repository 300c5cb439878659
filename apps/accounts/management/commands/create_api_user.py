from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import api_key_create, user_get_or_create
from apps.ledger.services import credits_grant


class Command(BaseCommand):
    help = "Create (or reuse) a user, grant credits through the ledger, and print a new API key on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--credits", type=int, default=0, help="credits to grant (ledger entry)")
        parser.add_argument("--plan", default=None, help="plan name (created when missing)")

    def handle(self, *args, username: str, credits: int, plan: str | None, **options) -> None:
        if credits < 0:
            raise CommandError("--credits must be zero or more.")
        user, created = user_get_or_create(username=username, plan_name=plan)
        if credits:
            credits_grant(user=user, amount=credits, note="create_api_user")
        _, full_key = api_key_create(user=user, name="create_api_user")
        verb = "Created" if created else "Reused"
        self.stderr.write(f"{verb} user {username!r} (id {user.pk}); granted {credits} credits.")
        self.stdout.write(full_key)
