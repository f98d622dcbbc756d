#!/usr/bin/env python3
"""Record what ObsPy (libmseed inside, and ObsPy's SAC reader) decodes from the files in
testdata/obspy-mseed, testdata/sac and testdata/real, as testdata/obspy_reference.json:
per file the traces ObsPy builds (id, start in ns, sampling rate, npts, dtype and SHA-256 of
the samples as little-endian bytes of that dtype), or the error ObsPy raises.

Run: python3 crates/verity-waveform/testdata/gen_obspy_refs.py  (needs `pip install obspy`;
made with ObsPy 1.5.1). Run it from outside the obspy package directory.
"""
import hashlib, json, os, warnings
import numpy as np
import obspy

warnings.simplefilter("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
out = {"generator": f"obspy {obspy.__version__}", "files": []}
for sub, fmt in (("obspy-mseed", "MSEED"), ("sac", "SAC"), ("real", None)):
    for name in sorted(os.listdir(os.path.join(HERE, sub))):
        path = os.path.join(HERE, sub, name)
        entry = {"file": f"{sub}/{name}"}
        try:
            f = fmt or ("SAC" if name.upper().endswith(".SAC") else "MSEED")
            st = obspy.read(path, format=f)
            traces = []
            for tr in st:
                d = tr.data
                if d.dtype.kind in "SU":
                    entry["text"] = True
                    continue
                dt = {"i": "<i4", "f": "<f4" if d.dtype.itemsize == 4 else "<f8"}[d.dtype.kind]
                traces.append({
                    "id": tr.id, "start_ns": int(tr.stats.starttime.ns),
                    "rate": float(tr.stats.sampling_rate), "npts": int(tr.stats.npts),
                    "dtype": dt, "sha256": hashlib.sha256(d.astype(dt).tobytes()).hexdigest(),
                    "first": [float(x) for x in d[:3]],
                })
            entry["traces"] = traces
        except Exception as e:  # the reference records failures too
            entry["error"] = f"{type(e).__name__}: {e}"
        out["files"].append(entry)
with open(os.path.join(HERE, "obspy_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
print(len(out["files"]), "files")
