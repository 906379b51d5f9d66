"""Electrical design benchmark: `design_electrical` + `to_document()` for synthetic PV plants.

Run from the repository root:  backend/.venv/bin/python bench/bench_electrical.py [--repeat N]
Plants come from tests/engine/electrical/plantgen.py: 4 MWac tracker blocks (13 rows × 8 trackers
of 84 modules, DC/AC 1.25) on a grid with a road under each line of blocks; the 1 GWac case has
250 blocks (≈ 26k trackers). Reports the median of N runs of the whole design and of its parts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from app.engine.electrical.design import design_electrical  # noqa: E402
from tests.engine.electrical.plantgen import synthetic_plant  # noqa: E402

CASES = {"100MWac_25blocks": (5, 5), "1GWac_250blocks": (25, 10)}


def run(name: str, repeat: int, topology: str) -> dict[str, object]:
    bx, by = CASES[name]
    s = synthetic_plant(blocks_x=bx, blocks_y=by, rows=13, per_row=8, partial_every=0)
    times, doc_times = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        e = design_electrical(s.plant, s.roads, s.substation, {"topology": topology})
        t1 = time.perf_counter()
        doc = e.to_document()
        t2 = time.perf_counter()
        times.append(t1 - t0)
        doc_times.append(t2 - t1)
    return {
        "case": name,
        "topology": topology,
        "blocks": len(s.plant.blocks),
        "trackers": len(s.plant.tables),
        "ac_mw": round(s.plant.ac_kw / 1000, 1),
        "strings": e.plan.count,
        "devices": len(e.dc.device_strings),
        "feeders": len(e.mv.feeders),
        "cable_features": len(doc["cables"]),
        "design_s_median": round(statistics.median(times), 3),
        "to_document_s_median": round(statistics.median(doc_times), 3),
        "total_s_median": round(statistics.median(a + b for a, b in zip(times, doc_times, strict=True)), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--case", choices=sorted(CASES))
    args = ap.parse_args()
    for name in [args.case] if args.case else CASES:
        for topology in ("central", "string"):
            print(json.dumps(run(name, args.repeat, topology)))


if __name__ == "__main__":
    main()
