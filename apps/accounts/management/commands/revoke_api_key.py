from django.core.management.base import BaseCommand, CommandError

from apps.accounts.keys import PREFIX_LENGTH
from apps.accounts.selectors import api_key_get_by_prefix
from apps.accounts.services import api_key_revoke


class Command(BaseCommand):
    help = "Revoke an API key by its prefix (the 8 characters after isk_, as the admin lists them)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("prefix", help=f"the key's {PREFIX_LENGTH}-character prefix, isk_<prefix>, or the full key")

    def handle(self, *args, prefix: str, **options) -> None:
        api_key = api_key_get_by_prefix(prefix=prefix)
        if api_key is None:
            raise CommandError(f"No API key with prefix {prefix!r}; the prefix is the {PREFIX_LENGTH} characters "
                               "after isk_ (see the admin's API keys list).")
        if api_key.is_revoked:
            self.stdout.write(f"Key isk_{api_key.prefix}... of {api_key.user} was already revoked at "
                              f"{api_key.revoked_at:%Y-%m-%d %H:%M:%S %Z}.")
            return
        api_key = api_key_revoke(api_key=api_key)
        self.stdout.write(f"Revoked key isk_{api_key.prefix}... of {api_key.user}; it no longer authenticates.")
