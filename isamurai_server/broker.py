"""The embedded broker and result store: kombu's filesystem transport and Celery's file backend,
with messages and results that appear whole.

kombu writes a message file in place (create, then lock, then write), and a consumer that lists
the folder in between moves it away without looking at the lock and reads it empty: the worker
dies on a JSONDecodeError. Here a message is written under a name no consumer picks (`.part`) and
renamed into place, which is atomic on one file system. Celery's file result backend has the same
race (the web process read a result the worker was still writing, and answered 500): the same cure."""
import os
import uuid
from time import monotonic

from celery.app.backends import BACKEND_ALIASES
from celery.backends.filesystem import FilesystemBackend
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import ensure_bytes, str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = f"{final}.part"
        try:
            with open(partial, "wb", buffering=0) as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


class AtomicFilesystemBackend(FilesystemBackend):
    def set(self, key, value):
        final = os.fsdecode(self._filename(key))
        partial = f"{final}.{uuid.uuid4().hex}.part"
        with self.open(partial, "wb") as handle:
            handle.write(ensure_bytes(value))
        os.replace(partial, final)


def embedded_broker_register() -> None:
    """`filesystem://` and `file://` mean these classes from now on (web process and workers alike)."""
    TRANSPORT_ALIASES["filesystem"] = "isamurai_server.broker:Transport"
    BACKEND_ALIASES["file"] = "isamurai_server.broker:AtomicFilesystemBackend"
