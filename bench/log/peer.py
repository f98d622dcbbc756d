"""Python peer for bench/log/run.sh: SHA-256 node hashing with hashlib (OpenSSL) and Ed25519
with PyNaCl (libsodium), on the same workloads as crates/verity-log/examples/log_bench.rs.
Prints "metric<TAB>ops_per_second" lines. (No maintained permissively-licensed Python
implementation of the tlog stored-hash design exists to compare append/proofs against; the Go
reference implementation covers those.)"""
import hashlib
import time

import nacl.signing


def report(metric, ops, start):
    print(f"{metric}\t{ops / (time.perf_counter() - start):.0f}")


start = time.perf_counter()
h = bytes(32)
for _ in range(2_000_000):
    h = hashlib.sha256(b"\x01" + h + h).digest()
report("node_hash", 2_000_000, start)

SIGS = 20_000
key = nacl.signing.SigningKey(bytes(range(1, 33)))
vk = key.verify_key
body = b"bench.example/log\n1000000\n" + h.hex().encode() + b"\n"
start = time.perf_counter()
sigs = [key.sign(body).signature for _ in range(SIGS)]
report("ed25519_sign", SIGS, start)
start = time.perf_counter()
for s in sigs:
    vk.verify(body, s)
report("ed25519_verify", SIGS, start)
