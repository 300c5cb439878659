"""A small OpenID Connect identity provider on loopback for the company sign-in test: discovery,
an authorization endpoint that signs the one configured person in at once, a token endpoint
that checks the client's credentials and the code, userinfo, and its JWKS (RS256)."""
import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class LoopbackIdentityProvider:
    def __init__(self, *, client_id: str, client_secret: str, person: dict) -> None:
        self.client_id, self.client_secret, self.person = client_id, client_secret, person
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, str] = {}  # code -> nonce
        self.tokens: set[str] = set()
        self.requests: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                provider.requests.append(f"GET {url.path}")
                if url.path == "/.well-known/openid-configuration":
                    self._json(provider.discovery())
                elif url.path == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = query.get("nonce", "")
                    self.send_response(302)
                    self.send_header("Location", query["redirect_uri"] + "?" + urlencode(
                        {"code": code, "state": query["state"]}))
                    self.end_headers()
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token in provider.tokens:
                        self._json(provider.person)
                    else:
                        self._json({"error": "invalid_token"}, 401)
                elif url.path == "/jwks":
                    jwk = json.loads(RSAAlgorithm.to_jwk(provider.key.public_key()))
                    self._json({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                url = urlparse(self.path)
                provider.requests.append(f"POST {url.path}")
                raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
                body = {k: v[0] for k, v in parse_qs(raw).items()}
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):
                    client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                else:
                    client_id, secret = body.get("client_id", ""), body.get("client_secret", "")
                if (client_id, secret) != (provider.client_id, provider.client_secret):
                    self._json({"error": "invalid_client"}, 401)
                    return
                nonce = provider.codes.pop(body.get("code", ""), None)
                if url.path != "/token" or nonce is None:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                access = secrets.token_urlsafe(24)
                provider.tokens.add(access)
                self._json({"access_token": access, "token_type": "Bearer", "expires_in": 300,
                            "id_token": provider.id_token(nonce)})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def discovery(self) -> dict:
        return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "aud": self.client_id, "sub": self.person["sub"], "iat": now, "exp": now + 300,
                  "jti": secrets.token_hex(8), "email": self.person["email"], "email_verified": True}
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})

    def __enter__(self) -> "LoopbackIdentityProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
