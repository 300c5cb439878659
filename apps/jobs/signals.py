"""What the job engine announces, for other apps to subscribe to (apps.ops' webhooks do, from
OpsConfig.ready); the engine itself imports none of its listeners."""
from django.dispatch import Signal

# Sent once the transaction that made a job Done, Failed or Cancelled has committed, with
# `job`: the base Job row as it finished (status, webhook_url, ...). Receivers must not raise.
job_finished = Signal()
