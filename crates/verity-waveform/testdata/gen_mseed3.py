#!/usr/bin/env python3
"""Generate the miniSEED 3 test files in testdata/mseed3/ with pymseed (PyPI `pymseed` 1.0.1,
EarthScope's Python binding of libmseed 3, Apache-2.0), and a reference file
testdata/mseed3/reference.json listing what libmseed decodes from each: source id, start
time (ns), sample rate, sample count, encoding, extra headers and the SHA-256 of the
samples as little-endian int32/float32/float64 (or the text bytes).

Run from anywhere:  python3 crates/verity-waveform/testdata/gen_mseed3.py
The outputs are committed; the tests do not need pymseed.
"""
import hashlib, json, math, os, sys
import numpy as np
import pymseed
from pymseed import MS3Record

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mseed3")
os.makedirs(HERE, exist_ok=True)

rng = np.random.default_rng(20260101)
n = 2500
t = np.arange(n)
# A "seismogram": noise plus a decaying sinusoid, with large differences to exercise every
# Steim packing width.
ints = (rng.normal(0, 300, n).cumsum() * 0.2
        + 20000 * np.exp(-np.maximum(t - 900, 0) / 200.0) * np.sin(t / 3.0) * (t > 900)).astype(np.int32)
ints[1200] = 2**28  # a 30-bit difference
ints[1201] = -2**28
floats = (ints.astype(np.float64) * 1.0e-3 + 0.1234567).astype(np.float64)

CASES = [
    # name, encoding, sample type, data, reclen, start, rate, extra headers
    ("steim2.ms3", 11, "i", ints, 4096, "2024-02-29T23:59:58.123456789Z", 100.0,
     {"FDSN": {"Time": {"Quality": 90}}}),
    ("steim1.ms3", 10, "i", ints, 512, "2023-06-17T04:53:54.468392Z", 40.0, None),
    ("int32.ms3", 3, "i", ints, 4096, "2020-01-01T00:00:00Z", 20.0, None),
    ("int16.ms3", 1, "i", (ints % 30000).astype(np.int32), 4096, "2020-01-01T00:00:00.5Z", 1.0, None),
    ("float32.ms3", 4, "f", floats.astype(np.float32), 4096, "1999-12-31T23:59:59.999Z", 0.1,
     {"FDSN": {"Event": {"Detection": [{"Type": "MURDOCK", "SignalAmplitude": 80}]}}}),
    ("float64.ms3", 5, "d", floats, 8192, "2021-07-04T12:00:00.000001Z", 250.0, None),
    ("text.ms3", 0, "t", list("Station log: clock re-locked at 12:00:03\n"), 4096,
     "2021-07-04T12:00:00Z", 0.0, None),
]

refs = []
for name, enc, st, data, reclen, start, rate, extra in CASES:
    msr = MS3Record(reclen=reclen, encoding=enc)
    msr.sourceid = "FDSN:XX_TEST_00_H_H_Z" if enc != 0 else "FDSN:XX_TEST__L_O_G"
    msr.set_starttime_str(start)
    msr.samprate = rate
    if extra is not None:
        msr.extra = json.dumps(extra, separators=(",", ":"))
    if st == "t":
        payload = "".join(data).encode()
        recs = list(msr.generate(data_samples=payload, sample_type="t"))
    else:
        recs = list(msr.generate(data_samples=data, sample_type=st))
    blob = b"".join(recs)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(blob)
    # Decode back with libmseed and record what it sees, record by record.
    records = []
    for r in MS3Record.from_file(os.path.join(HERE, name), unpack_data=True):
        if r.sampletype == "t":
            raw = np.asarray(r.np_datasamples).tobytes()
        else:
            dt = {"i": "<i4", "f": "<f4", "d": "<f8"}[r.sampletype]
            raw = np.asarray(r.np_datasamples).astype(dt).tobytes()
        records.append({
            "sid": r.sourceid, "start_ns": int(r.starttime), "rate": float(r.samprate),
            "samples": int(r.samplecnt), "encoding": int(r.encoding), "reclen": int(r.reclen),
            "crc": int(r.crc), "pubversion": int(r.pubversion),
            "extra": json.loads(r.extra) if r.extra else None,
            "sampletype": r.sampletype, "sha256": hashlib.sha256(raw).hexdigest(),
        })
    refs.append({"file": name, "records": records})

with open(os.path.join(HERE, "reference.json"), "w") as f:
    json.dump({"generator": f"pymseed {pymseed.__version__}, libmseed {pymseed.libmseed_version}",
               "files": refs}, f, indent=1)
print("wrote", len(refs), "files")
