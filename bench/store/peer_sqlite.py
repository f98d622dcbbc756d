#!/usr/bin/env python3
"""Baseline peer for bench/store: a straightforward Python sequencer on the same SQLite
settings (WAL, synchronous=FULL, one transaction per batch) and the same schema shape.

Timed, like the Rust bench: parse each submitted JSON declaration, verify its Ed25519
signature (pyca/cryptography), compute the RFC 9162 leaf hash and the completed-subtree
hashes (a compact-range frontier), insert entry + hashes rows, and per batch compute the
root, sign a checkpoint body with Ed25519 and insert it, then COMMIT.
Not timed: clients signing the declarations.

usage: peer_sqlite.py ENTRIES BATCH   -> prints one JSON line
"""
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DOMAIN = b"verity/envelope/v1\n"


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def main():
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    parties = [Ed25519PrivateKey.generate() for _ in range(100)]
    pubs = [p.public_key() for p in parties]
    op = Ed25519PrivateKey.generate()
    subs = []
    for i in range(entries):
        p = i % 100
        env = {"v": 1, "party": f"P{p:03}", "treaty": "new-start", "kind": "notification",
               "seq": i // 100 + 1, "time": "2026-11-25T12:00:00Z",
               "payload": {"facility": "Pantex", "warheads": i % 1550, "note": "bench"},
               "key": f"P{p:03}+00000000"}
        sig = parties[p].sign(DOMAIN + canonical(env))
        env["sig"] = sig.hex()
        subs.append(json.dumps(env).encode())

    d = tempfile.mkdtemp()
    db = sqlite3.connect(os.path.join(d, "peer.sqlite3"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript("""
        CREATE TABLE entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL, leaf_hash BLOB NOT NULL,
            party TEXT NOT NULL, seq INTEGER NOT NULL, treaty TEXT NOT NULL, kind TEXT NOT NULL,
            time TEXT NOT NULL, UNIQUE (party, seq));
        CREATE TABLE hashes (leaf INTEGER PRIMARY KEY, hashes BLOB NOT NULL);
        CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL,
            time INTEGER NOT NULL);
    """)
    peaks = []  # compact range: (level, hash), largest first
    size = 0
    last_seq = {}
    t0 = time.perf_counter()
    for start in range(0, entries, batch):
        db.execute("BEGIN IMMEDIATE")
        rows, hrows = [], []
        for raw in subs[start:start + batch]:
            env = json.loads(raw)
            sig = bytes.fromhex(env.pop("sig"))
            p = int(env["party"][1:])
            pubs[p].verify(sig, DOMAIN + canonical(env))  # raises on a bad signature
            if env["seq"] != last_seq.get(env["party"], 0) + 1:
                continue
            last_seq[env["party"]] = env["seq"]
            env["sig"] = sig.hex()
            data = canonical(env)
            h = hashlib.sha256(b"\x00" + data).digest()
            stored = [h]
            level = 0
            while peaks and peaks[-1][0] == level:
                h = node(peaks.pop()[1], h)
                stored.append(h)
                level += 1
            peaks.append((level, h))
            rows.append((size, data, stored[0], env["party"], env["seq"], env["treaty"], env["kind"], env["time"]))
            hrows.append((size, b"".join(stored)))
            size += 1
        db.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT INTO hashes VALUES (?,?)", hrows)
        root = peaks[-1][1]
        for _, ph in reversed(peaks[:-1]):
            root = node(ph, root)
        body = f"bench.example/log\n{size}\n{root.hex()}\n".encode()
        note = body.decode() + "\n— " + op.sign(body).hex() + "\n"
        db.execute("INSERT INTO checkpoints VALUES (?,?,?,?)", (size, root, note, int(time.time())))
        db.execute("COMMIT")
    secs = time.perf_counter() - t0
    print(json.dumps({"entries": size, "batch": batch, "accepted_per_s": size / secs}))


if __name__ == "__main__":
    main()
