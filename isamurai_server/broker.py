"""The embedded broker: kombu's filesystem transport, with messages that appear whole.

kombu writes a message file in place (create, then lock, then write), and a consumer that lists
the folder in between moves it away without looking at the lock and reads it empty: the worker
dies on a JSONDecodeError. Here a message is written under a name no consumer picks (`.part`) and
renamed into place, which is atomic on one file system."""
import os
import uuid
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
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


def embedded_broker_register() -> None:
    """`filesystem://` means this transport from now on (web process and workers alike)."""
    TRANSPORT_ALIASES["filesystem"] = "isamurai_server.broker:Transport"
