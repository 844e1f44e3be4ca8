"""The fault campaign as a benchmark: every kind of bad landing input at once, and what became of it.

    .venv/bin/python bench/faults.py

One batch of a customers-shaped source holds one file per fault (bad structure, types, bounds,
encodings, line endings, headers, names, links, duplicates, …), each with the number of records it
holds and the manifest status it must get. The batch goes through validation and the Spark ingest as
`landing_to_raw` runs them (its source may quarantine any share, so every file's fate is visible),
then every landed file is looked up in the manifest by its own name:

- ``lost_rows``: records of an accepted file that are neither loaded nor quarantined (or counted twice);
- ``unaccounted_files``: landed files with no manifest row;
- ``crashes``: the ingest raising instead of recording;
- ``wrong_status``: a file whose status is not the one expected.

A second batch, all bad under the default quarantine rate, must fail only after committing
(``gate_breach_committed=1``). The last line is `name=value` pairs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bench_env import scratch_lake

from tests.fault_catalogue import Fault, H, catalogue, row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.parse_args()
    scratch = scratch_lake("bench-faults-")

    from spark_apps.config import load_contracts, load_env
    from spark_apps.landing import LocalStore, plan_batch
    from spark_apps.raw_batch import RawGateError, ingest_plan
    from spark_apps.session import build_session
    from spark_apps.table_io import TableIO

    env = load_env("test")
    spark = build_session(env, "bench-faults", master="local[2]")
    io = TableIO.for_env(spark, env)
    base = load_contracts()["customers"]
    contract = base.model_copy(update={"name": "fault_bench", "max_quarantine_rate": 1.0})
    date = "2026-03-01"
    folder = Path(env.lake.root) / "landing" / contract.name / date
    folder.mkdir(parents=True)
    faults = catalogue()
    for fault in faults:
        (folder / fault.file).write_bytes(fault.body)
    outside = scratch / "outside.csv"
    outside.write_text(H + row(99_999, first="Mallory"))
    os.symlink(outside, folder / "link_to_outside.csv")
    faults.append(Fault("symlink_to_outside", "link_to_outside.csv", b"", 0, "rejected"))

    crashes = 0
    try:
        plan = plan_batch(LocalStore(), env.lake.root, contract, [date], "incremental")
        ingest_plan(io, env, contract, plan, "fault-bench")
    except Exception as exc:
        crashes += 1
        print(f"CRASH {type(exc).__name__}: {exc}")
    manifest = {
        Path(r["source_file"]).name: r
        for r in spark.table(env.table("ops", "ingest_manifest")).where(f"source = '{contract.name}'").collect()
    }

    lost = unaccounted = wrong = 0
    print(f"{'fault':36} {'status':18} {'read':>5} {'loaded':>6} {'quar':>5}  expected")
    for fault in faults:
        m = manifest.get(fault.file)
        if m is None:
            unaccounted += 1
            lost += fault.rows
            print(f"{fault.name:36} {'(no manifest row)':18}")
            continue
        read, loaded, quarantined = m["rows_read"] or 0, m["rows_loaded"] or 0, m["rows_quarantined"] or 0
        lost += abs(fault.rows - (loaded + quarantined)) + abs(read - loaded - quarantined)
        wrong += m["status"] != fault.status
        mark = "" if m["status"] == fault.status and fault.rows == read else "   <-- differs"
        counts = f"{read:>5} {loaded:>6} {quarantined:>5}"
        print(f"{fault.name:36} {m['status']:18} {counts}  {fault.status} {fault.rows}{mark}")

    # An all-bad batch under the default quarantine rate: it must fail, and only after committing.
    strict = base.model_copy(update={"name": "fault_bench_gate"})
    gate_folder = Path(env.lake.root) / "landing" / strict.name / date
    gate_folder.mkdir(parents=True)
    (gate_folder / "bad.csv").write_text(H + row(1, date="never") + row(2, date="soon"))
    committed = 0
    try:
        ingest_plan(io, env, strict, plan_batch(LocalStore(), env.lake.root, strict, [date]), "fault-bench")
    except RawGateError as exc:
        committed = int(exc.result.conserved and spark.table(env.table("quarantine", strict.name)).count() == 2)
    except Exception as exc:
        crashes += 1
        print(f"CRASH {type(exc).__name__}: {exc}")

    print(
        f"faults={len(faults) + 1} lost_rows={lost} crashes={crashes} unaccounted_files={unaccounted} "
        f"wrong_status={wrong} gate_breach_committed={committed}"
    )


if __name__ == "__main__":
    main()
