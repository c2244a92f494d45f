#!/usr/bin/python3
"""Known-answer vectors for mento's sealed record format (src/client/vault.c),
made independently with PyNaCl (Debian's python3-nacl), zlib and hashlib.

    /usr/bin/python3 tests/vectors/vault_vectors.py > tests/vectors/vault.json

Record: b"mnto" | version 1 | algorithm 1 (XChaCha20-Poly1305-IETF) | flags
(bit 0: compressed) | 0 | key id (16) | nonce (24) | ciphertext and tag.
Associated data: the header | kind (1) | pairing (1) | owner (8, big-endian)
| id length (2, big-endian) | id. Plaintext: the text, or (when that is
smaller) its length (4, big-endian) and zlib level 9; then ISO/IEC 7816-4
padding to a multiple of 256 bytes.
"""
import hashlib
import json
import struct
import zlib

import nacl.bindings as b

PAD = 256


def det(label, n):
    """Deterministic test bytes."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{i}".encode()).digest()
        i += 1
    return out[:n]


def associated(header, kind, pairing, owner, object_id):
    oid = object_id.encode()
    return header + bytes([kind, 1 if pairing else 0]) + struct.pack(">Q", owner) + \
        struct.pack(">H", len(oid)) + oid


def seal(key, key_id, nonce, kind, pairing, owner, object_id, plain, compress):
    flags = 0
    payload = plain
    if compress and plain:
        z = struct.pack(">I", len(plain)) + zlib.compress(plain, 9)
        if len(z) < len(plain):
            payload, flags = z, 1
    padded = b.sodium_pad(payload, PAD)
    header = b"mnto" + bytes([1, 1, flags, 0]) + key_id + nonce
    ad = associated(header, kind, pairing, owner, object_id)
    return header + b.crypto_aead_xchacha20poly1305_ietf_encrypt(padded, ad, nonce, key)


def vector(label, kind, pairing, owner, object_id, plain, compress):
    key, key_id, nonce = det(label + "/key", 32), det(label + "/id", 16), det(label + "/nonce", 24)
    return {
        "label": label, "key": key.hex(), "key_id": key_id.hex(), "nonce": nonce.hex(),
        "kind": kind, "pairing": pairing, "owner": owner, "object_id": object_id,
        "plain": plain.hex(), "compress": compress,
        "record": seal(key, key_id, nonce, kind, pairing, owner, object_id, plain, compress).hex(),
    }


NOTE, SHARED = 1, 5
long_text = ("Action item: send the P-3 application before Friday. " * 40).encode()
vectors = [
    vector("empty", NOTE, False, 12, "n-empty", b"", True),
    vector("short", NOTE, False, 12, "n-0001", b'{"title":"First session","body":"Goals."}', True),
    vector("utf8", NOTE, False, 77, "n-0002",
           "Nguyễn Thị Lan — 中文 — مرحبا — notes de séance".encode(), False),
    vector("compressible", NOTE, False, 12, "n-0003", long_text, True),
    vector("uncompressed", NOTE, False, 12, "n-0004", long_text, False),
    vector("incompressible", NOTE, False, 12, "n-0005", det("noise", 700), True),
    vector("shared", SHARED, True, 41, "n-0006", b'{"body":"Shared with my mentor"}', True),
    vector("big-owner", NOTE, False, 2**53 - 1, "x" * 255, b"edge", True),
    vector("exact-block", NOTE, False, 3, "n-0007", b"a" * 255, False),
]

# Opening must fail for each of these changes to the first vector's context.
base = vectors[1]
negative = [
    {"label": "other note", "object_id": "n-0002"},
    {"label": "other owner", "owner": 13},
    {"label": "as a pairing", "pairing": True},
    {"label": "other kind", "kind": SHARED},
    {"label": "other key", "key": det("wrong", 32).hex()},
]

master = det("master", 32)
subkeys = []
for sub_id in (1, 2):
    sk = hashlib.blake2b(b"", digest_size=32, key=master,
                         salt=struct.pack("<Q", sub_id) + bytes(8),
                         person=b"mentovlt" + bytes(8)).digest()
    subkeys.append({"id": sub_id, "subkey": sk.hex()})

argon = []
for password, ops, mem in (("correct horse battery staple", 2, 64 << 20),
                           ("pâté de campagne, 中文", 3, 64 << 20)):
    salt = det("salt/" + password, 16)
    out = b.crypto_pwhash_alg(32, password.encode(), salt, ops, mem, b.crypto_pwhash_ALG_ARGON2ID13)
    argon.append({"password": password, "salt": salt.hex(), "opslimit": ops, "memlimit": mem,
                  "master": out.hex()})

print(json.dumps({"generator": "tests/vectors/vault_vectors.py (PyNaCl %s)" % __import__("nacl").__version__,
                  "records": vectors, "negative": {"base": base["label"], "cases": negative},
                  "subkeys": {"master": master.hex(), "context": "mentovlt", "keys": subkeys},
                  "argon2id": argon}, indent=1))
