"""HEALTHCHECK of the web container: GET /api/health/ from this container's gunicorn.

Exits 0 when it answers 200 (the database and the broker answer; missing models or idle workers
only make it "degraded"), 1 otherwise. The Host header is the first plain name in ALLOWED_HOSTS, so
the check passes Django's host validation whatever the site is called. Standard library only.
"""
import http.client
import os
import sys

PATH = "/api/health/?workers=0"  # the workers have their own checks; skip the broadcast ping


def host_header(allowed: str | None) -> str:
    names = ["localhost"] if allowed is None else allowed.split(",")
    for name in names:
        name = name.strip().lstrip(".")  # ".example.com" also allows example.com itself
        if name and "*" not in name:
            return name
    return "localhost"


def port(bind: str) -> int:
    tail = bind.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 8000


def main() -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port(os.environ.get("ISAMURAI_BIND", "0.0.0.0:8000")),
                                            timeout=10)
    try:
        connection.request("GET", PATH, headers={"Host": host_header(os.environ.get("ALLOWED_HOSTS"))})
        response = connection.getresponse()
        body = response.read(2000).decode("utf-8", "replace")
    except OSError as exc:
        print(f"health: no answer: {exc}", file=sys.stderr)
        return 1
    print(f"health: {response.status} {body}")
    return 0 if response.status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
