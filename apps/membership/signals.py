from django.dispatch import Signal

# Sent once per account deletion (apps.membership.services.account_delete), after its keys are
# revoked and its jobs stopped, and before the person's data is removed from the user row, inside
# the deletion's transaction. Receivers end what they hold for the user (billing: the subscription)
# and clear their own personal fields; an exception aborts the deletion.
# Arguments: user (the User, still with its email and name).
account_deleted = Signal()
