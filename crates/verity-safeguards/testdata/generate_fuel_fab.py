#!/usr/bin/env python3
"""Generate the synthetic LEU fuel-fabrication accountancy bundles in this folder.

Synthetic data (no real facility): one MBA, twelve monthly balance periods of 2024, UF6 cylinder
receipts, fuel-assembly shipments, measured discards, physical inventories at three inventory
KMPs. Measured values = true values x (1 + random error + systematic error of the method), with
the systematic error of each method drawn once for the year (the "persistent" model). The method
uncertainties are of the order of the IAEA International Target Values 2010 (STR-368) for these
method classes; they are illustrative, not a transcription of STR-368's tables.

fuel_fab_2024.json: no diversion. fuel_fab_2024_diversion.json: the same facility from which
1 kg of U-235 (25 kg of 4 % uranium) is removed from the process every month from July on,
without being reported (protracted diversion of 6 kg U-235 in total, about 2 σ_MUF a month).

Run: python3 generate_fuel_fab.py (deterministic: seed 20240101).
"""
import json
import random

METHODS = [
    {"id": "UF6-WT", "description": "UF6 cylinder: load-cell weighing x UF6 uranium factor",
     "random_rsd_pct": 0.05, "systematic_rsd_pct": 0.05, "reference": "order of ITV 2010 (STR-368), weighing + gravimetric U factor"},
    {"id": "UO2-DG", "description": "UO2 powder/pellets: weighing x Davies-Gray titration",
     "random_rsd_pct": 0.10, "systematic_rsd_pct": 0.10, "reference": "order of ITV 2010 (STR-368), Davies & Gray titration"},
    {"id": "FA-WT", "description": "fuel assembly: pellet-stack weight x U factor",
     "random_rsd_pct": 0.10, "systematic_rsd_pct": 0.05, "reference": "order of ITV 2010 (STR-368)"},
    {"id": "SCRAP-NDA", "description": "waste drum: segmented gamma scanner",
     "random_rsd_pct": 10.0, "systematic_rsd_pct": 5.0, "reference": "order of ITV 2010 (STR-368), SGS on low-density waste"},
    {"id": "ENR-MS", "description": "U-235 abundance by gas-source / thermal ionisation mass spectrometry",
     "random_rsd_pct": 0.05, "systematic_rsd_pct": 0.05, "reference": "order of ITV 2010 (STR-368), TIMS / GSMS"},
    {"id": "ENR-GAMMA", "description": "U-235 enrichment by HRGS (enrichment meter)",
     "random_rsd_pct": 1.0, "systematic_rsd_pct": 0.5, "reference": "order of ITV 2010 (STR-368), HRGS enrichment meter"},
    {"id": "SHIPPER-UF6", "description": "shipper's (enrichment plant) UF6 cylinder measurement",
     "random_rsd_pct": 0.05, "systematic_rsd_pct": 0.05, "reference": "order of ITV 2010 (STR-368)"},
]

KMPS = [
    {"code": "A", "kind": "flow", "description": "receipt of UF6 cylinders"},
    {"code": "B", "kind": "flow", "description": "shipment of fuel assemblies"},
    {"code": "C", "kind": "flow", "description": "measured discards (waste drums)"},
    {"code": "1", "kind": "inventory", "description": "UF6 cylinder store"},
    {"code": "2", "kind": "inventory", "description": "UO2 powder and pellets in process"},
    {"code": "3", "kind": "inventory", "description": "fuel assembly store"},
]

DATES = ["2023-12-31"] + [f"2024-{m:02d}-{d}" for m, d in
         [(1, 31), (2, 29), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31), (9, 30), (10, 31), (11, 30), (12, 31)]]


def build(diversion_u235_kg_per_month, rng):
    sys = {m["id"]: rng.gauss(0.0, m["systematic_rsd_pct"] / 100.0) for m in METHODS}
    rsd = {m["id"]: m["random_rsd_pct"] / 100.0 for m in METHODS}

    def measured(true, method):
        return true * (1.0 + rng.gauss(0.0, rsd[method]) + sys[method])

    def batch(name, kmp, u_true, enr_true, method, iso_method, form):
        return {"batch": name, "kmp": kmp, "element": "U",
                "element_kg": round(measured(u_true, method), 3), "method": method,
                "enrichment_pct": round(measured(enr_true, iso_method), 5), "isotope_method": iso_method,
                "form": form}

    enr = 4.0
    # True inventory state: lists of (name, kmp, u_kg, method, form).
    uf6 = [(f"CYL-{i:03d}", 1460.0 + rng.uniform(-20, 20)) for i in range(6)]
    process_u = 9000.0
    fa = [(f"FA-{i:04d}", 460.0 + rng.uniform(-3, 3)) for i in range(30)]
    next_cyl, next_fa, next_drum = 6, 30, 0
    pils, changes = [], []

    def listing(date):
        batches = [batch(n, "1", u, enr, "UF6-WT", "ENR-MS", "UF6") for n, u in uf6]
        # Process hold-up listed as 20 lots of powder/pellets.
        for j in range(20):
            batches.append(batch(f"LOT-{date}-{j:02d}", "2", process_u / 20, enr, "UO2-DG", "ENR-MS", "UO2"))
        batches += [batch(n, "3", u, enr, "FA-WT", "ENR-MS", "fuel assembly") for n, u in fa]
        return {"mba": "XLEU", "date": date, "batches": batches}

    pils.append(listing(DATES[0]))
    for month in range(1, 13):
        start = DATES[month - 1]
        ym = DATES[month][:7]
        # Receipts: 10 cylinders, the first with the shipper's stated values.
        for r in range(10):
            u = 1460.0 + rng.uniform(-20, 20)
            name = f"CYL-{next_cyl:03d}"
            next_cyl += 1
            ch = {"date": f"{ym}-{2 + 2 * r:02d}", "code": "RD", "counterpart_mba": "XENR",
                  "batch": batch(name, "A", u, enr, "UF6-WT", "ENR-MS", "UF6")}
            if r == 0:
                ch["shipper_measurement"] = batch(name, "S", u, enr, "SHIPPER-UF6", "ENR-MS", "UF6")
            changes.append(ch)
            uf6.append((name, u))
        # Conversion: 10 cylinders fed into the process (internal to the MBA: no inventory change).
        fed = uf6[:10]
        uf6 = uf6[10:]
        process_u += sum(u for _, u in fed)
        # Fabrication: 31 assemblies made, 30 shipped.
        made = 0.0
        for _ in range(31):
            u = 460.0 + rng.uniform(-3, 3)
            fa.append((f"FA-{next_fa:04d}", u))
            next_fa += 1
            made += u
        process_u -= made
        for s in range(30):
            n, u = fa.pop(0)
            changes.append({"date": f"{ym}-{3 + s % 25:02d}", "code": "SD", "counterpart_mba": "XNPP",
                            "batch": batch(n, "B", u, enr, "FA-WT", "ENR-MS", "fuel assembly")})
        # Measured discards: two drums of about 4 kg U.
        for d in range(2):
            u = 4.0 + rng.uniform(-1, 1)
            changes.append({"date": f"{ym}-{20 + d:02d}", "code": "LD",
                            "batch": batch(f"DRUM-{next_drum:04d}", "C", u, enr, "SCRAP-NDA", "ENR-GAMMA", "waste")})
            next_drum += 1
            process_u -= u
        if month >= 7:
            process_u -= diversion_u235_kg_per_month / (enr / 100.0)
        pils.append(listing(DATES[month]))
    return {
        "mba": {"code": "XLEU", "facility": "Synthetic LEU fuel fabrication plant", "state": "XX", "kmps": KMPS},
        "methods": METHODS,
        "physical_inventory_listings": pils,
        "inventory_change_reports": [{"mba": "XLEU", "report_no": 1, "changes": changes}],
        "systematic_errors": "persistent",
    }


for name, div in [("fuel_fab_2024.json", 0.0), ("fuel_fab_2024_diversion.json", 1.0)]:
    bundle = build(div, random.Random(20240101))
    with open(name, "w") as f:
        json.dump(bundle, f, indent=1)
        f.write("\n")
