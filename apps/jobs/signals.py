"""What the job engine announces, for other apps to subscribe to (apps.ops does, from
OpsConfig.ready); the engine itself imports none of its listeners, and the product apps import
none of them either: they submit jobs through the engine (job_submit)."""
from django.dispatch import Signal

# Sent once the transaction that made a job Done, Failed or Cancelled has committed, with
# `job`: the base Job row as it finished (status, webhook_url, ...). Receivers must not raise.
job_finished = Signal()

# Sent by job_submit before a new job is saved (its inputs stored, nothing charged yet), with
# `job`: the unsaved row of its kind. A receiver checks what it owns (ops: the webhook_url) and
# raises a UserFacingError to refuse the job: then nothing is saved or charged.
job_submitting = Signal()
