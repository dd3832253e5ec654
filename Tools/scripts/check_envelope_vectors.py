#!/usr/bin/env python3
"""An independent implementation of Protocol/SPEC.md §7 (envelopes) and §6 (sealed bundles) in Python, with the
`cryptography` package: recomputes every vector in Protocol/vectors/envelopes and Protocol/vectors/sealed-bundles
from the spec alone and checks the bytes match.
Usage: check_envelope_vectors.py [VECTOR_DIR]"""
import glob
import hashlib
import hmac
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt


def canonical(change):
    return json.dumps(change, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def aad(user_id, device, seq, key_id, version=1):
    return b"ally-envelope\x00" + user_id.encode() + b"\x00" + device.encode() + struct.pack(">QIB", seq, key_id, version)


def padded_length(length):
    """Version 2 (SPEC §7): at least 256 bytes, then Padmé: keep the top floor(log2(E)) + 1 bits of the length,
    where E = floor(log2(length)), and round the rest up."""
    size = max(length, 256)
    exponent = size.bit_length() - 1
    kept = exponent.bit_length()
    mask = (1 << (exponent - kept)) - 1
    return (size + mask) & ~mask


def seal(change, user_id, key, key_id, version=1):
    plaintext = canonical(change)
    if version >= 2:
        plaintext += b"\x80"
        plaintext += bytes(padded_length(len(plaintext)) - len(plaintext))
    data = aad(user_id, change["device"], change["seq"], key_id, version)
    nonce_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ally nonce key v1").derive(key)
    nonce = hmac.new(nonce_key, data + plaintext, hashlib.sha256).digest()[:12]
    return bytes([version]) + struct.pack(">I", key_id) + nonce + ChaCha20Poly1305(key).encrypt(nonce, plaintext, data)


def seal_bundle(plain, passphrase, salt, nonce, log_rounds, block_size, parallelism):
    header = b"ALLYSEAL" + bytes([1, log_rounds, block_size, parallelism]) + salt + nonce
    key = Scrypt(salt=salt, length=32, n=1 << log_rounds, r=block_size, p=parallelism).derive(passphrase.encode())
    return header + ChaCha20Poly1305(key).encrypt(nonce, plain, header)


def check_sealed_bundles():
    folder = os.path.join(os.path.dirname(__file__), "../../Protocol/vectors/sealed-bundles")
    paths = sorted(glob.glob(os.path.join(folder, "*.json")))
    if not paths:
        sys.exit("no sealed-bundle vectors found")
    for path in paths:
        v = json.load(open(path))
        sealed = seal_bundle(v["plain"].encode(), v["passphrase"], bytes.fromhex(v["saltHex"]), bytes.fromhex(v["nonceHex"]),
                             v["logRounds"], v["blockSize"], v["parallelism"])
        if sealed.hex() != v["sealedHex"]:
            sys.exit(f"sealed-bundles/{os.path.basename(path)}: the spec gives {sealed.hex()[:40]}…, the vector says {v['sealedHex'][:40]}…")
        print(f"ok sealed-bundles/{os.path.basename(path)}")


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../Protocol/vectors/envelopes")
    paths = sorted(glob.glob(os.path.join(folder, "*.json")))
    if not paths:
        sys.exit("no envelope vectors found")
    for path in paths:
        vector = json.load(open(path))
        sealed = seal(vector["change"], vector["userID"], bytes.fromhex(vector["keyHex"]), vector["keyID"],
                      vector.get("version", 1))
        if sealed.hex() != vector["envelopeHex"]:
            sys.exit(f"{os.path.basename(path)}: the spec gives {sealed.hex()[:40]}…, the vector says {vector['envelopeHex'][:40]}…")
        print(f"ok {os.path.basename(path)}")
    if len(sys.argv) <= 1:
        check_sealed_bundles()


main()
