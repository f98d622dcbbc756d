#!/usr/bin/env python3
"""Side-by-side timing for bench/seismic/run.sh. Rounds alternate Verity and ObsPy so that
both see the same machine load; the best time of all rounds is reported for each."""
import glob, json, os, subprocess, sys, time, warnings
import numpy as np
import obspy
from obspy.signal.trigger import (aic_simple, classic_sta_lta, recursive_sta_lta,
                                  trigger_onset)

warnings.simplefilter("ignore")
binary, netday, d, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def ours(*args, exe=None):
    out = subprocess.run([exe or binary, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def best(f, n):
    return best2(f, n)[0]


def best2(f, n):
    """Best wall-clock and best CPU time (this thread) over n calls."""
    b = c = float("inf")
    for _ in range(n):
        c0 = time.thread_time()
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
        c = min(c, time.thread_time() - c0)
    return b, c


x = np.fromfile(os.path.join(d, "stalta.f64"), "<f8")
day = os.path.join(d, "day.mseed")
files = sorted(glob.glob(os.path.join(d, "netday", "*.mseed")))


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
       for k in ("classic", "recursive", "classic_cpu", "recursive_cpu", "classic_into",
                 "recursive_into", "decode", "records", "network")}
net_runs = []
meta = {}
for r in range(rounds):
    o = ours("stalta", os.path.join(d, "stalta.f64"))
    res["classic"][0] = min(res["classic"][0], o["classic_s"])
    res["recursive"][0] = min(res["recursive"][0], o["recursive_s"])
    res["classic_into"][0] = min(res["classic_into"][0], o["classic_into_s"])
    res["recursive_into"][0] = min(res["recursive_into"][0], o["recursive_into_s"])
    res["classic_cpu"][0] = min(res["classic_cpu"][0], o["classic_cpu_s"])
    res["recursive_cpu"][0] = min(res["recursive_cpu"][0], o["recursive_cpu_s"])
    c, c_cpu = best2(lambda: classic_sta_lta(x, 100, 1000), 15)
    rr, rr_cpu = best2(lambda: recursive_sta_lta(x, 100, 1000), 15)
    res["classic"][1] = min(res["classic"][1], c)
    res["recursive"][1] = min(res["recursive"][1], rr)
    res["classic_cpu"][1] = min(res["classic_cpu"][1], c_cpu)
    res["recursive_cpu"][1] = min(res["recursive_cpu"][1], rr_cpu)
    print(f"round {r + 1}: classic {o['classic_s'] * 1e3:.1f} ms vs ObsPy {c * 1e3:.1f} ms "
          f"({c / o['classic_s']:.2f}x), recursive {o['recursive_s'] * 1e3:.1f} vs {rr * 1e3:.1f} ms "
          f"({rr / o['recursive_s']:.2f}x)", flush=True)
    # ObsPy has no output-buffer variant: the same ObsPy call is the reference for both rows.
    res["classic_into"][1] = res["classic"][1]
    res["recursive_into"][1] = res["recursive"][1]
    o = ours("decode", day)
    res["decode"][0] = min(res["decode"][0], o["decode_s"])
    res["records"][0] = min(res["records"][0], o["records_s"])
    res["decode"][1] = min(res["decode"][1], best(lambda: obspy.read(day), 3))
    res["records"][1] = res["decode"][1]
    o = ours("run", os.path.join(d, "netday"), exe=netday)
    meta = o
    net_runs.append(o["wall_s"])
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
    ("classic STA/LTA, thread CPU time", "classic_cpu"),
    ("recursive STA/LTA, thread CPU time", "recursive_cpu"),
    ("classic STA/LTA (reused output buffer)", "classic_into"),
    ("recursive STA/LTA (reused output buffer)", "recursive_into"),
    ("read Steim-2 channel-day -> f64 trace", "decode"),
    ("decode Steim-2 records -> i32 (streaming)", "records"),
    (f"network-day {len(files)} ch. (ObsPy: no assoc., extrap.)", "network"),
]
for label, k in rows:
    a, b = res[k]
    print(f"{label:<46}{a * 1e3:>10.1f}ms{b * 1e3:>10.1f}ms{b / a:>13.2f}x")
print("(ObsPy column: obspy.signal.trigger.*_sta_lta allocating its output; obspy.read of the file)")
print()
m = meta
print(f"network-day, whole chain in one process: {m['files']} channels, {m['samples']:,} samples, "
      f"{m['threads']} threads")
print(f"  decode->filter->detect->pick {m['detect_s']:.2f} s (CPU {m['detect_cpu_s']:.2f} s), "
      f"associate+locate {m['associate_s']:.2f} s (CPU {m['associate_cpu_s']:.2f} s); "
      f"total wall {m['wall_s']:.2f} s = {m['realtime_factor']:.0f}x real time "
      f"(rounds: {', '.join(f'{w:.2f}' for w in net_runs)} s)")
print(f"  {m['detections']} detections, {m['picks_p']} P + {m['picks_s']} S picks, "
      f"{m['picks_associated']} associated; events: {m['events_inserted']} inserted, "
      f"{m['events_found']} found, {m['sources_recovered']} sources recovered, "
      f"{m['spurious_events']} spurious")
for e in m["events"]:
    if e["source"] is None:
        print(f"  spurious event at {e['lat']:.2f}, {e['lon']:.2f}, {e['origin']} ({e['defining']} arrivals)")
    else:
        print(f"  source {e['source']}: epicentre error {e['epicentre_error_km']:.2f} km, depth "
              f"{e['depth_km']:.1f} km (true {e['true_depth_km']}), origin error "
              f"{e['origin_error_s']:+.2f} s, 90% ellipse {e['ellipse_area_km2']:.0f} km^2, "
              f"{e['defining']} defining arrivals at {e['stations']} stations")
print(f"  peak RSS {m['peak_rss_mb']:.0f} MB (VmHWM; the day's decoded samples would be "
      f"{m['samples'] * 8 / 1e9:.1f} GB)")
print(f"load average at end: {os.getloadavg()}")
