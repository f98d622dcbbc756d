#!/usr/bin/env python3
"""Side-by-side timing for bench/seismic/run.sh. Rounds alternate Verity and ObsPy so that
both see the same machine load; the best time of all rounds is reported for each."""
import glob, json, os, subprocess, sys, time, warnings
import numpy as np
import obspy
from obspy.signal.trigger import (aic_simple, classic_sta_lta, recursive_sta_lta,
                                  trigger_onset)

warnings.simplefilter("ignore")
binary, d, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])


def ours(*args):
    out = subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def best(f, n):
    b = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
    return b


x = np.fromfile(os.path.join(d, "stalta.f64"), "<f8")
day = os.path.join(d, "day.mseed")
files = sorted(glob.glob(os.path.join(d, "network", "*.mseed")))


def obspy_channel(path):
    tr = obspy.read(path)[0]
    tr.filter("bandpass", freqmin=2.0, freqmax=8.0, corners=4, zerophase=False)
    cf = recursive_sta_lta(tr.data, 100, 3000)
    n = 0
    for on, off in trigger_onset(cf, 4.0, 1.5):
        lo, hi = max(on - 500, 0), min(on + 201, len(tr.data))
        np.argmin(aic_simple(tr.data[lo:hi]))
        n += 1
    return n


res = {k: [float("inf"), float("inf")]
       for k in ("classic", "recursive", "classic_into", "recursive_into", "decode", "records", "network")}
meta = {}
for r in range(rounds):
    o = ours("stalta", os.path.join(d, "stalta.f64"))
    res["classic"][0] = min(res["classic"][0], o["classic_s"])
    res["recursive"][0] = min(res["recursive"][0], o["recursive_s"])
    res["classic_into"][0] = min(res["classic_into"][0], o["classic_into_s"])
    res["recursive_into"][0] = min(res["recursive_into"][0], o["recursive_into_s"])
    c = best(lambda: classic_sta_lta(x, 100, 1000), 5)
    rr = best(lambda: recursive_sta_lta(x, 100, 1000), 5)
    res["classic"][1] = min(res["classic"][1], c)
    res["recursive"][1] = min(res["recursive"][1], rr)
    # ObsPy has no output-buffer variant: the same ObsPy call is the reference for both rows.
    res["classic_into"][1] = res["classic"][1]
    res["recursive_into"][1] = res["recursive"][1]
    o = ours("decode", day)
    res["decode"][0] = min(res["decode"][0], o["decode_s"])
    res["records"][0] = min(res["records"][0], o["records_s"])
    res["decode"][1] = min(res["decode"][1], best(lambda: obspy.read(day), 3))
    res["records"][1] = res["decode"][1]
    o = ours("network", os.path.join(d, "network"))
    meta = o
    res["network"][0] = min(res["network"][0], o["wall_s"])
    sub = files[:3]
    t = time.perf_counter()
    for f in sub:
        obspy_channel(f)
    res["network"][1] = min(res["network"][1], (time.perf_counter() - t) / len(sub) * len(files))

print()
print(f"Verity vs ObsPy {obspy.__version__} (best of {rounds} rounds; machine load shared)")
print(f"{'task':<46}{'Verity':>12}{'ObsPy':>12}{'ObsPy/Verity':>14}")
rows = [
    ("classic STA/LTA, 8.64 M samples (new output)", "classic"),
    ("recursive STA/LTA (new output)", "recursive"),
    ("classic STA/LTA (reused output buffer)", "classic_into"),
    ("recursive STA/LTA (reused output buffer)", "recursive_into"),
    ("read Steim-2 channel-day -> f64 trace", "decode"),
    ("decode Steim-2 records -> i32 (streaming)", "records"),
    (f"network-day {len(files)} channels (ObsPy extrap.)", "network"),
]
for label, k in rows:
    a, b = res[k]
    print(f"{label:<46}{a * 1e3:>10.1f}ms{b * 1e3:>10.1f}ms{b / a:>13.2f}x")
print("(ObsPy column: obspy.signal.trigger.*_sta_lta allocating its output; obspy.read of the file)")
print()
print(f"network-day: {meta['files']} channels, {meta['samples']:,} samples, "
      f"{meta['detections']} detections, {meta['picks']} picks, {meta['threads']} threads, "
      f"wall {meta['wall_s']:.2f} s = {meta['realtime_factor']:.0f}x real time, "
      f"CPU {meta['cpu_s']:.2f} s (idle 2-core wall >= CPU/2 = {meta['cpu_s'] / 2:.2f} s), "
      f"peak RSS {meta['peak_rss_mb']:.0f} MB")
print(f"load average at end: {os.getloadavg()}")
