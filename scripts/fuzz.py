"""Fuzz the readers: mutate the corpus files and read each mutant in a guarded worker.

    .venv/bin/python scripts/fuzz.py [-n 1000] [--seed 0] [--timeout 120] [--jobs 2]

Mutations (seeded, reproducible): bit flips, truncation, a damaged or
dropped zip entry, a zeroed or duplicated byte range, a swapped extension
(the bytes of one format under another's name). Each mutant is read through
``pipeline.readers.read_file`` and ``pipeline.process.analyze`` in a worker
process; the parent enforces a per-file timeout and restarts a worker that
hangs or dies, so one file can never kill the run.

Outcomes: ``ok`` (read and analyzed), ``refused`` (ReadError with a reason,
by kind), ``timeout`` (the worker was killed), ``crash`` (the worker died:
a segfault or an abort in a native library), ``error`` (an exception other
than ReadError escaped the reader: a bug), ``analyze_error`` (read fine but
the extractors raised: not a reader bug). Exit status 1 if any crash or
error.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTS = [".pdf", ".docx", ".doc", ".txt", ".rtf", ".exe", ""]


# ------------------------------------------------------------------ mutations

def _bitflip(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    b = bytearray(data)
    n = rng.choice([1, 2, 8, 64, 512])
    for _ in range(n):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b), f"bitflip x{n}"


def _truncate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    cut = rng.choice([rng.randrange(1, max(2, len(data))), int(len(data) * rng.uniform(0.9, 0.999)), 16, 1024])
    cut = max(1, min(cut, len(data) - 1))
    return data[:cut], f"truncate at {cut}/{len(data)}"


def _zero_range(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    i = rng.randrange(len(data))
    n = rng.choice([16, 256, 4096])
    b = bytearray(data)
    b[i:i + n] = bytes(len(b[i:i + n]))
    return bytes(b), f"zero {n} bytes at {i}"


def _duplicate_range(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    i = rng.randrange(len(data))
    n = rng.choice([16, 256, 4096])
    return data[:i] + data[i:i + n] + data[i:], f"duplicate {n} bytes at {i}"


def _zip_damage(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = {n: z.read(n) for n in z.namelist()}
    except Exception:
        return _bitflip(data, rng)
    if not parts:
        return _bitflip(data, rng)
    names = sorted(parts)
    name = rng.choice([n for n in names if n.endswith(".xml")] or names)
    how = rng.choice(["drop", "garbage", "truncate", "flip"])
    if how == "drop":
        del parts[name]
    elif how == "garbage":
        parts[name] = bytes(rng.randrange(256) for _ in range(rng.choice([0, 10, 1000])))
    elif how == "truncate":
        parts[name] = parts[name][: rng.randrange(max(1, len(parts[name])))]
    else:
        b = bytearray(parts[name])
        for _ in range(8):
            if b:
                i = rng.randrange(len(b))
                b[i] = rng.randrange(256)
        parts[name] = bytes(b)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, v in parts.items():
            z.writestr(n, v)
    return out.getvalue(), f"zip entry {name}: {how}"


MUTATIONS = [_bitflip, _truncate, _zero_range, _duplicate_range, _zip_damage]


def make_mutants(sources: list[Path], n: int, seed: int, out: Path) -> list[dict]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    cache: dict[Path, bytes] = {}
    made = []
    for k in range(n):
        src = rng.choice(sources)
        data = cache.setdefault(src, src.read_bytes())
        mutate = rng.choice(MUTATIONS)
        if mutate is _zip_damage and not data.startswith(b"PK"):
            mutate = _bitflip
        if rng.random() < 0.15:  # the file's own bytes, under another format's name
            new, how = data, "unchanged bytes"
        else:
            new, how = mutate(data, rng)
        ext = src.suffix
        if rng.random() < 0.2:
            ext = rng.choice(EXTS)
            how += f", extension {src.suffix} -> {ext or '(none)'}"
        path = out / f"{k:05d}_{src.stem[:40]}{ext}"
        path.write_bytes(new)
        made.append({"file": str(path), "source": src.name, "mutation": how})
    return made


# ------------------------------------------------------------------ worker

def worker_main() -> None:
    """Read paths from stdin, one per line; print one JSON result per line."""
    sys.path.insert(0, str(ROOT))
    from pipeline.model import ReadError
    from pipeline.readers import read_file

    analyze = None
    try:
        from pipeline.process import analyze
    except Exception:  # the extractors may be mid-edit: still fuzz the readers
        analyze = None
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but results on the protocol stream
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        t = time.time()
        res: dict = {}
        try:
            src = read_file(path)
        except ReadError as err:
            res = {"status": "refused", "kind": err.kind, "reason": err.reason}
        except Exception as err:  # noqa: BLE001 - this is what the fuzzer looks for
            res = {"status": "error", "type": type(err).__name__, "reason": str(err)[:300]}
        else:
            res = {"status": "ok", "blocks": len(src.blocks), "format": src.format}
            if analyze is not None:
                try:
                    a = analyze(src)
                    res["items"] = len(a.items)
                except Exception as err:  # noqa: BLE001
                    res = {"status": "analyze_error", "type": type(err).__name__, "reason": str(err)[:300]}
        res["seconds"] = round(time.time() - t, 2)
        out.write(json.dumps(res, ensure_ascii=False) + "\n")
        out.flush()


class Worker:
    STARTUP_TIMEOUT = 300.0  # importing the NLP stack on a loaded machine

    def __init__(self, env: dict):
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=self.env, start_new_session=True, cwd=str(ROOT))
        # the per-file clock starts once the worker has its imports done
        self._read_line(self.STARTUP_TIMEOUT)

    def _read_line(self, timeout: float) -> dict:
        assert self.proc and self.proc.stdout
        fd = self.proc.stdout.fileno()
        deadline = time.time() + timeout
        buf = b""
        while True:
            left = deadline - time.time()
            if left <= 0:
                self.kill()
                return {"status": "timeout", "reason": f"no answer in {timeout:.0f} s"}
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                if self.proc.poll() is not None:
                    code = self.proc.returncode
                    self.kill()
                    return {"status": "crash", "reason": f"worker exited with {code}"}
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                code = self.proc.wait()
                self.kill()
                return {"status": "crash", "reason": f"worker exited with {code}"}
            buf += chunk
            if b"\n" in buf:
                line = buf.split(b"\n", 1)[0]
                try:
                    return json.loads(line.decode("utf-8"))
                except ValueError:
                    return {"status": "error", "reason": f"bad worker output {line[:100]!r}"}

    def stop(self) -> None:
        """End the worker cleanly (so its temporary files are removed), killing it if it hangs."""
        if self.proc and self.proc.poll() is None:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.proc = None

    def run(self, path: str, timeout: float) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
            if self.proc is None:
                return {"status": "crash", "reason": "the worker could not start"}
        assert self.proc and self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write((path + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self.kill()
            return {"status": "crash", "reason": "the worker died before reading the file"}
        return self._read_line(timeout)


def run_all(mutants: list[dict], jobs: int, timeout: float, env: dict, progress: bool = True) -> list[dict]:
    lock = threading.Lock()
    queue = list(enumerate(mutants))
    results: list[dict | None] = [None] * len(mutants)
    done = [0]

    def loop():
        w = Worker(env)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    i, m = queue.pop(0)
                res = w.run(m["file"], timeout)
                res.update(m)
                with lock:
                    results[i] = res
                    done[0] += 1
                    if progress and (done[0] % 25 == 0 or done[0] == len(mutants)):
                        print(f"  {done[0]}/{len(mutants)}", file=sys.stderr, flush=True)
        finally:
            w.stop()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in results if r is not None]


def default_sources() -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from pipeline.evaluate import shared_dir

    corpus = shared_dir() / "corpus"
    files = sorted(p for p in corpus.iterdir() if p.is_file() and p.name != "SOURCES.tsv") if corpus.is_dir() else []
    fixtures = ROOT / "tests" / "fixtures" / "readers"
    files += sorted(p for p in fixtures.glob("ke_hoach*") if p.suffix in (".pdf", ".docx", ".doc"))
    return files


def summarize(results: list[dict]) -> dict:
    status = Counter(r["status"] for r in results)
    kinds = Counter(r.get("kind") for r in results if r["status"] == "refused")
    return {"total": len(results), "status": dict(status), "refused_by_kind": dict(kinds),
            "problems": [r for r in results if r["status"] in ("crash", "error", "timeout")],
            "slowest": sorted(results, key=lambda r: -r.get("seconds", 0))[:3]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="how many mutants (default 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per file before the worker is killed")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", type=Path, default=None, help="keep the mutants here (default: a temp dir, removed)")
    ap.add_argument("--json", type=Path, default=None, help="write every result here")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main()
        return 0
    sources = default_sources()
    if not sources:
        print("no corpus files found (set MINUTES_SHARED)", file=sys.stderr)
        return 2
    out = args.out or Path(tempfile.mkdtemp(prefix="minutes-fuzz-"))
    mutants = make_mutants(sources, args.n, args.seed, out)
    env = dict(os.environ)
    env.setdefault("MINUTES_SOFFICE_TIMEOUT", str(max(10, int(args.timeout * 0.6))))
    env.setdefault("MINUTES_OCR_TIMEOUT", str(max(10, int(args.timeout * 0.5))))
    env.setdefault("MINUTES_OCR_WORKERS", "1")  # the fuzzer already runs files side by side
    t = time.time()
    results = run_all(mutants, args.jobs, args.timeout, env)
    s = summarize(results)
    print(f"fuzz: {s['total']} mutants of {len(sources)} files (seed {args.seed}) in {time.time() - t:.0f} s")
    for key in ("ok", "refused", "analyze_error", "timeout", "crash", "error"):
        print(f"  {key:14} {s['status'].get(key, 0)}")
    if s["refused_by_kind"]:
        print("  refused by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(s["refused_by_kind"].items())))
    for r in s["problems"]:
        print(f"  {r['status']}: {Path(r['file']).name} ({r['source']}, {r['mutation']}): {r.get('type', '')} "
              f"{r.get('reason', '')}")
    analyze_errors = Counter(f"{r.get('type')}: {r.get('reason', '')[:80]}" for r in results
                             if r["status"] == "analyze_error")
    for msg, c in analyze_errors.most_common(3):
        print(f"  analyze_error x{c}: {msg}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 1 if s["status"].get("crash") or s["status"].get("error") else 0


if __name__ == "__main__":
    sys.exit(main())
