#!/usr/bin/env python3
"""Top-k agreement of recommendation lists (bench/bench_ml.sh, by hand when tuning).

  ml_agreement.py recs DIR_A DIR_B [K]        our recs/ against another recs/ (per user)
  ml_agreement.py sklearn RECS_DIR USER_SIM_P USERS_DB [K]
                                              our recs/ against the original's user_sim.p
  ml_agreement.py daily DATA_DIR [K]          DATA_DIR/recs (an incremental run) against a full
                                              recompute (buildsvm --force into a copy)
Prints the mean, min and per-user overlap of the top K (default 100).
"""
import json
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import ml_index  # noqa: E402


def load_dir(d):
    out = {}
    for f in Path(d).glob("user-*.bin"):
        items, meta = ml_index.load_recs(f)
        out[json.loads(meta)["username"]] = [pid for pid, _ in items]
    return out


def report(a, b, k):
    ov = {u: len(set(a[u][:k]) & set(b[u][:k])) / max(1, min(k, len(b[u]))) for u in sorted(b) if u in a}
    if not ov:
        print("no common users")
        return 1
    print(json.dumps({"k": k, "users": len(ov), "mean": round(sum(ov.values()) / len(ov), 4),
                      "min": round(min(ov.values()), 4)}))
    return 0


def main():
    mode = sys.argv[1]
    if mode == "recs":
        k = int(sys.argv[4]) if len(sys.argv) > 4 else 100
        return report(load_dir(sys.argv[2]), load_dir(sys.argv[3]), k)
    if mode == "sklearn":
        k = int(sys.argv[5]) if len(sys.argv) > 5 else 100
        sim = pickle.loads(Path(sys.argv[3]).read_bytes())
        db = sqlite3.connect(sys.argv[4])
        names = dict(db.execute("SELECT id, username FROM users"))
        return report(load_dir(sys.argv[2]), {names[u]: v for u, v in sim.items()}, k)
    if mode == "daily":
        data = Path(sys.argv[2])
        k = int(sys.argv[3]) if len(sys.argv) > 3 else 100
        binary = Path(__file__).resolve().parents[1] / "build" / "bin" / "buildsvm"
        with tempfile.TemporaryDirectory() as tmp:
            full = Path(tmp) / "data"
            full.mkdir()
            for name in ("papers.db", "users.db"):
                shutil.copy(data / name, full / name)
            (full / "index").symlink_to(data / "index")
            subprocess.run([str(binary), "--data-dir", str(full), "--force", "-q", "-j", "2"], check=True)
            print("incremental vs full recompute:", end=" ")
            return report(load_dir(data / "recs"), load_dir(full / "recs"), k)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
