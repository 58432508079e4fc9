"""Signatures and the AES message envelope shared by WeChat and WeCom.

Both platforms use the WXBizMsgCrypt scheme: sha1 over the sorted strings for
signatures; AES-256-CBC with IV = key[:16], PKCS#7 padding to 32-byte blocks,
and a plaintext of 16 random bytes + 4-byte big-endian length + message + the
AppID (Official Account) or CorpID (WeCom). The trailing id is checked so a
message encrypted for another account is refused. During key rotation the
previous EncodingAESKey is tried when the current one fails, and the reply is
encrypted with whichever key the platform used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class CryptoError(Exception):
    """A message that cannot be authenticated or decrypted."""


class DecryptError(CryptoError):
    """Ciphertext that is not base64, badly padded or badly framed."""


class ReceiverMismatch(CryptoError):
    """Decrypted fine, but for another AppID / CorpID."""


def signature(*parts: str) -> str:
    """sha1 hex of the parts sorted and joined (the platform's signature)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_signature(given: str | None, *parts: str) -> bool:
    """Constant-time comparison, so the signature cannot be guessed byte by byte."""
    if not given or any(p is None for p in parts):
        return False
    return hmac.compare_digest(given.strip().lower().encode(), signature(*parts).encode())


def msg_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """Signature of an encrypted message: sha1 of sorted (token, timestamp, nonce, Encrypt)."""
    return signature(token, timestamp, nonce, encrypted)


def decode_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from the 43-character EncodingAESKey."""
    key = encoding_aes_key.strip()
    if len(key) != 43:
        raise ValueError("EncodingAESKey must be 43 characters")
    try:
        raw = base64.b64decode(key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("EncodingAESKey is not base64") from exc
    if len(raw) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return raw


def pad(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


def unpad(data: bytes) -> bytes:
    if not data:
        raise DecryptError("empty plaintext")
    n = data[-1]
    if not 1 <= n <= BLOCK or n > len(data) or data[-n:] != bytes([n]) * n:
        raise DecryptError("bad padding")
    return data[:-n]


def encrypt_with(key: bytes, message: str, receiver_id: str, random: bytes | None = None) -> str:
    """Base64 ciphertext of one message; `random` is fixed only in tests."""
    random = os.urandom(16) if random is None else random
    if len(random) != 16:
        raise ValueError("random prefix must be 16 bytes")
    body = message.encode("utf-8")
    plain = random + struct.pack(">I", len(body)) + body + receiver_id.encode("utf-8")
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(pad(plain)) + enc.finalize()).decode("ascii")


def decrypt_with(key: bytes, encrypted: str) -> tuple[str, str]:
    """(message, receiver id) from base64 ciphertext, or DecryptError."""
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptError("not base64") from exc
    if not raw or len(raw) % 16:
        raise DecryptError("ciphertext length is not a multiple of the AES block")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = unpad(dec.update(raw) + dec.finalize())
    if len(plain) < 20:
        raise DecryptError("plaintext too short")
    (length,) = struct.unpack(">I", plain[16:20])
    if length > len(plain) - 20:
        raise DecryptError("length field larger than the message")
    try:
        message = plain[20 : 20 + length].decode("utf-8")
        receiver = plain[20 + length :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecryptError("not UTF-8") from exc
    return message, receiver


@dataclass(frozen=True)
class Decrypted:
    text: str
    key: bytes  # the key that worked: encrypt the reply with it


class MessageCrypto:
    """One account's token, key(s) and AppID/CorpID."""

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        receiver_id: str,
        previous_key: str | None = None,
    ) -> None:
        self.token = token
        self.receiver_id = receiver_id
        self.keys = [decode_key(encoding_aes_key)]
        if previous_key:
            self.keys.append(decode_key(previous_key))

    def check(self, given: str | None, timestamp: str, nonce: str, encrypted: str) -> bool:
        return check_signature(given, self.token, timestamp, nonce, encrypted)

    def decrypt(self, encrypted: str) -> Decrypted:
        """Try the current key, then the previous one; refuse another receiver's message."""
        problem: CryptoError = DecryptError("no key")
        for key in self.keys:
            try:
                text, receiver = decrypt_with(key, encrypted)
            except DecryptError as exc:
                if not isinstance(problem, ReceiverMismatch):
                    problem = exc
                continue
            if not hmac.compare_digest(receiver.encode(), self.receiver_id.encode()):
                problem = ReceiverMismatch("message is for another AppID/CorpID")
                continue
            return Decrypted(text, key)
        raise problem

    def encrypt(self, message: str, key: bytes | None = None, random: bytes | None = None) -> str:
        return encrypt_with(key or self.keys[0], message, self.receiver_id, random)

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return msg_signature(self.token, timestamp, nonce, encrypted)
