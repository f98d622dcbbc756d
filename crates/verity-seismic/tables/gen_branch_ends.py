#!/usr/bin/env python3
"""Where the first arrival changes branch, to 0.001 deg, for the tables of gen_tables.py.

Between two neighbouring distance nodes of one depth row whose first arrivals have different
TauP names (p -> Pn, P -> Pdiff, Pdiff -> PKIKP at TauP's diffraction limit, Sdiff -> SKS, ...),
bisect with TauP for the distance where the first arrival (same phase lists and priority as
gen_tables.py) changes from the left node's branch to the right node's. The Rust side uses it
instead of guessing the switch from the nodes: at the end of Pdiff/Sdiff the first-arrival
time jumps by 100-400 s, so the switch must be placed right.

Reproduce (from this directory, after gen_tables.py):
    pip install obspy==1.5.1
    python3 gen_branch_ends.py      # writes branch_ends.csv
"""
import sys

import obspy
from obspy.taup import TauPyModel
from obspy.taup.taup_time import TauPTime

from gen_tables import FAMILIES, first_arrival


def read_table(path):
    rows = {}
    for line in open(path):
        if line.startswith("#") or line.startswith("distance"):
            continue
        d, h, t, p, name = line.strip().split(",")
        rows.setdefault(float(h), []).append((float(d), name))
    return rows


def main(out="branch_ends.csv"):
    with open(out, "w") as f:
        f.write(f"# first-arrival branch changes, bisected with ObsPy {obspy.__version__} TauPy to 0.001 deg\n")
        f.write("model,phase,depth_km,distance_deg,before,after\n")
        for model_name in ("iasp91", "ak135"):
            model = TauPyModel(model_name).model
            for fam, lists in FAMILIES.items():
                rows = read_table(f"{model_name}_{fam}.csv")
                for depth, nodes in rows.items():
                    tts = []
                    for names in lists:
                        tt = TauPTime(model, names, depth, 0.0)
                        tt.depth_correct(depth)
                        tts.append(tt)

                    def name_at(d):
                        for tt in tts:
                            a = first_arrival(tt, d)
                            if a is not None:
                                return a.name
                        return ""

                    for (d0, n0), (d1, n1) in zip(nodes, nodes[1:]):
                        if n0 == n1 or not n0 or not n1:
                            continue
                        lo, hi = d0, d1
                        while hi - lo > 0.001:
                            mid = 0.5 * (lo + hi)
                            if name_at(mid) == n0:
                                lo = mid
                            else:
                                hi = mid
                        f.write(f"{model_name},{fam},{depth:g},{0.5 * (lo + hi):.4f},{n0},{n1}\n")
                print(model_name, fam, file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
