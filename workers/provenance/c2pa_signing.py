"""Signed C2PA manifests on outputs (c2pa-python), and reading them back for /api/verify/.

The operator's certificate chain and key (PEM files) sign the manifests. Without them a key and
certificate chain are generated once into the data folder: a small CA named "self-generated,
untrusted" and a signing certificate issued by it. C2PA readers accept the signature as valid
but report the signer as untrusted, which is the truth. (C2PA refuses a self-signed end
certificate, so the pair is a chain of two; the signing certificate carries the extensions the
C2PA certificate profile asks for: digitalSignature key usage, the emailProtection extended key
usage, no CA flag, subject and authority key identifiers.)
"""
from __future__ import annotations

import datetime
import io
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from workers.errors import MediaError
from workers.provenance.source_types import (  # noqa: F401 (re-exported)
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    IPTC,
    TRAINED_ALGORITHMIC_MEDIA,
)

CLAIM_GENERATOR = "iSamurai-compatible face-swap server"
SELF_GENERATED_ORG = "iSamurai self-hosted server (self-generated, untrusted)"
_MIME_BY_SUFFIX = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
                   ".mp4": "video/mp4", ".mov": "video/quicktime"}


@dataclass(frozen=True)
class SigningCredentials:
    chain_pem: bytes  # the signing certificate first, then its issuers
    key_pem: bytes
    self_generated: bool

    @property
    def algorithm(self) -> c2pa.C2paSigningAlg:
        key = serialization.load_pem_private_key(self.key_pem, password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return {256: c2pa.C2paSigningAlg.ES256, 384: c2pa.C2paSigningAlg.ES384,
                    521: c2pa.C2paSigningAlg.ES512}[key.curve.key_size]
        if isinstance(key, rsa.RSAPrivateKey):
            return c2pa.C2paSigningAlg.PS256
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return c2pa.C2paSigningAlg.ED25519
        raise ValueError(f"unsupported C2PA signing key type {type(key).__name__}")

    @classmethod
    def load(cls, *, cert_path: str | Path | None, key_path: str | Path | None,
             generated_dir: str | Path) -> SigningCredentials:
        """The operator's pair when both paths are given, else the generated pair (made once)."""
        if cert_path and key_path:
            return cls(Path(cert_path).read_bytes(), Path(key_path).read_bytes(), self_generated=False)
        if bool(cert_path) != bool(key_path):
            raise ValueError("set both ISAMURAI_C2PA_CERT and ISAMURAI_C2PA_KEY, or neither")
        folder = Path(generated_dir)
        if not (folder / "chain.pem").is_file():
            _generate_pair(folder)
        return cls((folder / "chain.pem").read_bytes(), (folder / "key.pem").read_bytes(), self_generated=True)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, SELF_GENERATED_ORG)])


def _key_usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=not sign,
                         crl_sign=not sign, encipher_only=False, decipher_only=False)


def _generate_pair(folder: Path) -> None:
    """Writes chain.pem and key.pem into ``folder`` atomically (first process to finish wins)."""
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=3650)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("iSamurai server CA (self-generated, untrusted)")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_key_usage(sign=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(_name("iSamurai server signer (self-generated, untrusted)"))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(sign=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".c2pa-", dir=folder.parent))
    try:
        (staging / "chain.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM)
                                            + ca.public_bytes(serialization.Encoding.PEM))
        (staging / "key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (staging / "key.pem").chmod(0o600)
        (staging / "README.txt").write_text(
            "Self-generated C2PA signing pair: outputs are signed, but readers report the signer\n"
            "as untrusted. Set ISAMURAI_C2PA_CERT and ISAMURAI_C2PA_KEY to your own certificate\n"
            "chain and key (PEM) for a signer that C2PA trust lists can recognise.\n")
        try:
            os.rename(staging, folder)
        except OSError:  # another process made it first; use theirs
            pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class ManifestSigner:
    """Adds a signed manifest to a finished output file, in place."""

    def __init__(self, credentials: SigningCredentials, *, generator_version: str = "1.0") -> None:
        self.credentials = credentials
        self.generator_version = generator_version
        self._signer: c2pa.Signer | None = None
        self._lock = threading.Lock()

    def _c2pa_signer(self) -> c2pa.Signer:
        with self._lock:
            if self._signer is None:
                info = c2pa.C2paSignerInfo(self.credentials.algorithm, self.credentials.chain_pem,
                                           self.credentials.key_pem, None)
                self._signer = c2pa.Signer.from_info(info)
            return self._signer

    def manifest(self, *, title: str, digital_source_type: str, description: str) -> dict:
        return {
            "claim_generator_info": [{"name": CLAIM_GENERATOR, "version": self.generator_version}],
            "title": title,
            "assertions": [{"label": "c2pa.actions", "data": {"actions": [
                # C2PA wants a created (or opened) action first; the inputs aren't ingredients
                # here, since the server keeps no claim about them.
                {"action": "c2pa.created", "digitalSourceType": digital_source_type,
                 "softwareAgent": {"name": CLAIM_GENERATOR}},
                {"action": "c2pa.edited", "description": description,
                 "softwareAgent": {"name": CLAIM_GENERATOR}},
            ]}}],
        }

    def sign_bytes(self, data: bytes, *, mime_type: str, title: str, digital_source_type: str,
                   description: str) -> bytes:
        builder = c2pa.Builder(self.manifest(title=title, digital_source_type=digital_source_type,
                                             description=description))
        output = io.BytesIO()
        try:
            builder.sign(self._c2pa_signer(), mime_type, io.BytesIO(data), output)
        except c2pa.C2paError as exc:
            raise MediaError("The output could not be signed with its C2PA manifest.", detail=str(exc)) from exc
        return output.getvalue()

    def sign_file(self, path: str | Path, *, digital_source_type: str, description: str) -> None:
        path = Path(path)
        mime_type = _MIME_BY_SUFFIX.get(path.suffix.lower())
        if mime_type is None:
            raise MediaError("The output could not be signed with its C2PA manifest.",
                             detail=f"no C2PA format for {path.name}")
        builder = c2pa.Builder(self.manifest(title=path.name, digital_source_type=digital_source_type,
                                             description=description))
        partial = path.with_name(f".{path.name}.signing{path.suffix}")
        try:
            with open(path, "rb") as source, open(partial, "w+b") as target:
                builder.sign(self._c2pa_signer(), mime_type, source, target)
            os.replace(partial, path)
        except c2pa.C2paError as exc:
            raise MediaError("The output could not be signed with its C2PA manifest.", detail=str(exc)) from exc
        finally:
            partial.unlink(missing_ok=True)


@dataclass(frozen=True)
class ManifestSummary:
    present: bool
    valid: bool
    claim_generator: str | None
    digital_source_type: str | None


# Reading a stranger's file never touches the network: no remote manifest named in its XMP (a
# blind SSRF otherwise), no OCSP responder named in its certificate, no other host at all.
OFFLINE_READER_SETTINGS = {
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
    "core": {"allowed_network_hosts": []},
}


def _offline_context() -> c2pa.Context:
    return c2pa.Context(settings=c2pa.Settings.from_dict(OFFLINE_READER_SETTINGS))


def manifest_read(data: bytes, *, mime_type: str) -> ManifestSummary:
    """What a C2PA reader sees in a file: is there a manifest, is its signature valid (trusted or
    not), who generated it and the digital source type of its first action. Offline: a manifest
    stored elsewhere counts as absent."""
    try:
        reader = c2pa.Reader(mime_type, io.BytesIO(data), context=_offline_context())
    except c2pa.C2paError:
        return ManifestSummary(present=False, valid=False, claim_generator=None, digital_source_type=None)
    with reader:
        manifest = reader.get_active_manifest() or {}
        state = reader.get_validation_state()
    generator_info = manifest.get("claim_generator_info") or [{}]
    generator = generator_info[0].get("name") or manifest.get("claim_generator")
    source_type = None
    for assertion in manifest.get("assertions", []):
        if assertion.get("label", "").startswith("c2pa.actions"):
            for action in assertion.get("data", {}).get("actions", []):
                source_type = source_type or action.get("digitalSourceType")
    return ManifestSummary(present=bool(manifest), valid=state in ("Valid", "Trusted"),
                           claim_generator=generator, digital_source_type=source_type)
