"""WeChat Pay API v3 cryptography on the `cryptography` package Odoo pins.

Four primitives: RSA PKCS#1 v1.5 SHA-256 signing with the merchant key,
verification with WeChat Pay's public key or platform certificate, AES-256-GCM
decryption of notification resources, and PEM/X.509 loading.
"""

import base64
import re
import secrets
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
PUBLIC_KEY_ID_PREFIX = "PUB_KEY_ID_"
# WeChat Pay rejects requests, and we reject notifications and responses, whose
# timestamp differs from the local clock by more than 5 minutes.
MAX_CLOCK_SKEW = 300

_PEM_PATTERN = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL
)


class SignatureError(Exception):
    """A signature, timestamp or serial that does not check out."""


def normalize_pem(text):
    """Rebuild PEM blocks whose line breaks were lost.

    Password fields are single-line inputs, so a pasted key arrives as
    "-----BEGIN PRIVATE KEY----- MIIE... -----END PRIVATE KEY-----".

    :rtype: bytes
    """
    blocks = []
    for label, body in _PEM_PATTERN.findall(text or ""):
        data = "".join(body.split())
        lines = [data[i : i + 64] for i in range(0, len(data), 64)]
        blocks.append(
            "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])
        )
    return ("\n".join(blocks) + "\n").encode() if blocks else b""


def load_private_key(text):
    """Load an unencrypted PEM RSA private key; raise ValueError if invalid."""
    pem = normalize_pem(text)
    if not pem:
        raise ValueError("no PEM block found")
    return serialization.load_pem_private_key(pem, None, default_backend())


def load_public_key(text):
    """Load a PEM public key; raise ValueError if invalid."""
    pem = normalize_pem(text)
    if not pem:
        raise ValueError("no PEM block found")
    return serialization.load_pem_public_key(pem, default_backend())


def load_certificates(text):
    """Return {serial in upper-case hex: certificate} for each PEM certificate."""
    certificates = {}
    pem = normalize_pem(text).decode()
    for label, body in _PEM_PATTERN.findall(pem):
        if label != "CERTIFICATE":
            continue
        block = f"-----BEGIN CERTIFICATE-----{body}-----END CERTIFICATE-----\n"
        cert = x509.load_pem_x509_certificate(block.encode(), default_backend())
        certificates[format(cert.serial_number, "X")] = cert
    return certificates


def build_message(*parts):
    """Join the parts of a signed message, each ending with a line feed."""
    return "".join(f"{part}\n" for part in parts).encode()


def sign(private_key, message):
    """Sign bytes with RSA PKCS#1 v1.5 SHA-256; return base64 text."""
    signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify(public_key, message, signature):
    """Check a base64 RSA SHA-256 signature; raise SignatureError if wrong."""
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError) as error:
        raise SignatureError("signature mismatch") from error


def build_authorization(
    mchid, serial_no, private_key, method, path, body, timestamp=None, nonce=None
):
    """Return the Authorization header of a request to WeChat Pay API v3.

    :param str path: URL path with its query string, without scheme and host
    :param str body: the exact request body text, "" for GET
    """
    timestamp = str(int(timestamp if timestamp is not None else time.time()))
    nonce = nonce or secrets.token_hex(16)
    message = build_message(method.upper(), path, timestamp, nonce, body)
    signature = sign(private_key, message)
    return (
        f'{AUTH_SCHEMA} mchid="{mchid}",nonce_str="{nonce}",'
        f'signature="{signature}",timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def verify_wechatpay_signature(headers, body, keys, now=None):
    """Verify the Wechatpay-* headers of a response or notification.

    :param headers: case-insensitive mapping of the HTTP headers
    :param bytes body: the raw body, exactly as received
    :param dict keys: {serial or public key id: public key}
    :return: the serial that signed the message
    :raise SignatureError: on a missing header, an unknown serial, a timestamp
        more than 5 minutes away from ``now`` or a wrong signature
    """
    timestamp = headers.get("Wechatpay-Timestamp")
    nonce = headers.get("Wechatpay-Nonce")
    signature = headers.get("Wechatpay-Signature")
    serial = headers.get("Wechatpay-Serial")
    if not (timestamp and nonce and signature and serial):
        raise SignatureError("missing Wechatpay-* signature headers")
    if signature.startswith("WECHATPAY/SIGNTEST/"):
        raise SignatureError("signature probe (WECHATPAY/SIGNTEST)")
    public_key = keys.get(serial)
    if public_key is None:
        raise SignatureError(f"unknown Wechatpay-Serial {serial}")
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError as error:
        raise SignatureError(f"invalid Wechatpay-Timestamp {timestamp!r}") from error
    if age > MAX_CLOCK_SKEW:
        raise SignatureError(f"stale Wechatpay-Timestamp {timestamp} ({int(age)} s)")
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    verify(public_key, message, signature)
    return serial


def decrypt_resource(apiv3_key, nonce, ciphertext, associated_data=""):
    """Decrypt an AEAD_AES_256_GCM resource with the API v3 key.

    :raise cryptography.exceptions.InvalidTag: on a wrong key or altered data
    :rtype: bytes
    """
    aesgcm = AESGCM(apiv3_key.encode())
    return aesgcm.decrypt(
        nonce.encode(),
        base64.b64decode(ciphertext),
        (associated_data or "").encode() or None,
    )
