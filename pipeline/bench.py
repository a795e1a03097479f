"""``minutes bench``: figures per stage and end to end, with ratios against baselines measured in the same run.

The corpus is built from samples/ and the shared dev set (and the shared
corpus' text-layer PDFs), each copy varied so that every document has its own
content hash (a comment after a PDF's end, a zip comment on a .docx, a run of
trailing blanks on a text file): the readers see the same content, the store
sees new documents.

What is measured, in this order, in one run:

1. stages, in this process, one document after another (one core):
   read (per format; PDF pages/s), normalize, NLP (word segmentation into a
   spaCy Doc), extraction, store. Wall and CPU seconds are both given: the
   machine is shared, CPU seconds are what a stage costs.
2. baselines on the same material: pdfplumber ``extract_text`` on the same
   PDF pages, underthesea ``ner`` and ``word_tokenize`` on the same text
   (both capped to keep the run short: rates are compared, not totals).
3. end to end over the whole corpus: a plain loop of ``ingest_file`` (no
   Prefect) into a fresh database; the Prefect flow with one worker into
   another; the flow again over the unchanged folder; the flow with
   ``--workers`` processes into a third database, whose records are compared
   with the single-worker ones (they must be identical).
4. a cold ``minutes ingest`` (a new process: imports, Prefect's API, reading,
   NLP, extraction, database) over the corpus' PDFs, compared with pdfplumber
   ``extract_text`` alone on the same pages.

Peak RSS is sampled over this process and all its children (workers, the
temporary Prefect server) in each phase. Nothing here is asserted: a
benchmark on a shared machine prints figures, the targets are checked by a
reader of those figures.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("pdf", "docx", "txt", "doc")
DEFAULT_FORMATS = "pdf,docx,txt"

# --------------------------------------------------------------------------------------------
# measuring


def _tree_sum(pid: int, measure) -> int:
    """``measure(process)`` summed over a process and all its descendants (0 if gone)."""
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for q in procs:
        with contextlib.suppress(psutil.Error, AttributeError):
            total += measure(q)
    return total


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (0 if gone)."""
    try:
        import psutil  # noqa: F401
    except ImportError:  # pragma: no cover - psutil ships with prefect's dependencies
        return _proc_rss(pid)
    return _tree_sum(pid, lambda q: q.memory_info().rss)


def _tree_pss(pid: int) -> int:
    """Proportional set size of a process tree: forked workers' shared pages counted once."""
    return _tree_sum(pid, lambda q: q.memory_full_info().pss)


def _proc_rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples the RSS of a process tree every ``interval`` seconds; ``peak`` since the last ``reset``.
    Also the CPU seconds of the whole tree (``tree_cpu``): forkserver workers are grandchildren,
    which ``os.times`` never counts."""

    def __init__(self, pid: int | None = None, interval: float = 0.2, pss: bool = False, also: list[int] | None = None):
        self.pid = pid or os.getpid()
        self.roots = [self.pid, *(also or [])]  # ``also``: other trees sampled at the same instants (the server's)
        self.interval = interval
        self.peak = 0
        self.peak_pss = 0
        self.pss = pss
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> int:
        rss = sum(_tree_rss(pid) for pid in self.roots)
        self.peak = max(self.peak, rss)
        if self.pss:
            with contextlib.suppress(Exception):
                self.peak_pss = max(self.peak_pss, sum(_tree_pss(pid) for pid in self.roots))
        with contextlib.suppress(Exception):
            import psutil

            for root in self.roots:
                with contextlib.suppress(psutil.Error):
                    p = psutil.Process(root)
                    for q in [p, *p.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):
                            t = q.cpu_times()
                            self._cpu[q.pid] = t.user + t.system
        return rss

    def tree_cpu(self) -> float:
        """CPU seconds of this process and every descendant seen so far (the last sample of each)."""
        self.sample()
        return sum(self._cpu.values())

    def reset(self) -> None:
        self.peak = 0
        self.sample()

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def _status_kb(key: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


@dataclass
class Clock:
    """Wall and CPU seconds (this process and its reaped children) of a block, and this process's peak
    RSS during it (``peak``) and how far above its RSS at the start that peak was (``rise``)."""

    wall: float = 0.0
    cpu: float = 0.0
    peak: int = 0
    rise: int = 0
    _t: tuple[float, float] = (0.0, 0.0)
    _rss0: int = 0

    @staticmethod
    def _cpu() -> float:
        # process_time: fine-grained, this process; os.times: children once reaped (pool workers)
        t = os.times()
        return time.process_time() + t.children_user + t.children_system

    def __enter__(self) -> Clock:
        self._rss0 = _status_kb("VmRSS") * 1024 if _reset_peak_rss() else 0
        self._t = (time.perf_counter(), self._cpu())
        return self

    def __exit__(self, *exc) -> None:
        self.wall += time.perf_counter() - self._t[0]
        self.cpu += self._cpu() - self._t[1]
        if self._rss0:
            peak = _status_kb("VmHWM") * 1024
            self.peak = max(self.peak, peak)
            self.rise = max(self.rise, peak - self._rss0)


@dataclass
class Stage:
    name: str
    docs: int = 0
    pages: int = 0
    chars: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss: int = 0
    note: str = ""
    extra: dict = field(default_factory=dict)

    peak_rise: int = 0  # the most one document's pass through the stage raised the peak above the RSS before it

    def add(self, clock: Clock, docs: int = 1, pages: int = 0, chars: int = 0) -> None:
        self.docs += docs
        self.pages += pages
        self.chars += chars
        self.wall += clock.wall
        self.cpu += clock.cpu
        self.peak_rss = max(self.peak_rss, clock.peak)
        self.peak_rise = max(self.peak_rise, clock.rise)

    def rate(self, what: str, cpu: bool = False) -> float | None:
        secs = self.cpu if cpu else self.wall
        n = getattr(self, what)
        return n / secs if secs > 0 and n else None

    def to_dict(self) -> dict:
        d = {"name": self.name, "docs": self.docs, "pages": self.pages, "chars": self.chars,
             "wall_s": round(self.wall, 3), "cpu_s": round(self.cpu, 3), "peak_rss_mb": round(self.peak_rss / 2**20, 1),
             "peak_rise_mb": round(self.peak_rise / 2**20, 1)}
        for what in ("docs", "pages", "chars"):
            for cpu in (False, True):
                r = self.rate(what, cpu)
                if r is not None:
                    d[f"{what}_per_s{'_cpu' if cpu else ''}"] = round(r, 2)
        if self.note:
            d["note"] = self.note
        d.update(self.extra)
        return d


# --------------------------------------------------------------------------------------------
# the corpus


def _shared_dir() -> Path:
    from pipeline.evaluate import shared_dir

    return shared_dir()


def _has_text_layer(path: Path) -> bool:
    """Every page of the PDF has a text layer (scans would measure OCR, not reading)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception:  # noqa: BLE001
        return False
    try:
        for page in pdf:
            tp = page.get_textpage()
            text = tp.get_text_range()
            tp.close()
            page.close()
            if sum(c.isalpha() for c in text) < 30:
                return False
        return True
    finally:
        pdf.close()


def source_files(formats: tuple[str, ...]) -> list[Path]:
    """The documents the corpus is made of: samples/, the dev set in each format, the shared corpus."""
    shared = _shared_dir()
    dev = shared / "eval" / "dev"
    found: list[Path] = []
    ext = {"pdf": ".pdf", "docx": ".docx", "txt": ".txt", "doc": ".doc"}
    wanted = {ext[f] for f in formats}
    samples = ROOT / "samples"
    if samples.is_dir():
        found += [p for p in sorted(samples.rglob("*")) if p.is_file() and p.suffix.lower() in wanted]
    if "txt" in formats:
        found += sorted((dev / "docs").glob("*.txt"))
    for f in formats:
        if f != "txt":
            found += sorted((dev / "formats" / f).glob(f"*{ext[f]}"))
    found += [p for p in sorted((shared / "corpus").glob("*")) if p.suffix.lower() in wanted and p.suffix != ".txt"]
    by_format: dict[str, list[Path]] = {}
    for p in found:
        if p.suffix.lower() == ".pdf" and not _has_text_layer(p):
            continue  # scanned: OCR has its own benchmark (scripts/bench_ocr.py)
        by_format.setdefault(p.suffix.lower(), []).append(p)
    # formats interleaved, so that any prefix of the corpus has every format
    out: list[Path] = []
    lists = [by_format[k] for k in sorted(by_format)]
    for i in range(max((len(x) for x in lists), default=0)):
        out += [x[i] for x in lists if i < len(x)]
    return out


def vary(data: bytes, suffix: str, i: int) -> bytes:
    """The same document with other bytes (copy number ``i``), so its content hash differs."""
    suffix = suffix.lower()
    tag = f"minutes-bench {i}"
    if suffix == ".pdf":
        return data + f"\n%{tag}\n".encode()
    if suffix == ".docx":
        buf = io.BytesIO(data)
        with zipfile.ZipFile(buf, "a") as z:
            z.comment = tag.encode()
        return buf.getvalue()
    if suffix in (".txt", ".md"):
        # trailing blanks only: the text the extractors see is unchanged
        return data.rstrip(b"\n") + b"\n" + "".join(" " if b == "0" else "\t" for b in bin(i + 1)[2:]).encode() + b"\n"
    return data + tag.encode()  # .doc: bytes after the compound file (LibreOffice ignores them)


def build_corpus(n: int, out: Path, formats: tuple[str, ...] = ("pdf", "docx", "txt")) -> list[Path]:
    """``n`` documents in ``out``: the source files round-robin, every one varied."""
    sources = source_files(formats)
    if not sources:
        raise click.ClickException("No source documents: samples/ is empty and the shared dev set is missing.")
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i in range(n):
        src = sources[i % len(sources)]
        dest = out / f"{i:05d}_{src.stem[:60]}{src.suffix.lower()}"
        dest.write_bytes(vary(src.read_bytes(), src.suffix, i))
        paths.append(dest)
    return paths


# --------------------------------------------------------------------------------------------
# pdfplumber accounting inside the reader


@contextlib.contextmanager
def plumber_meter():
    """Counts the pages pdfplumber parses (and the seconds it takes) while the block runs."""
    import pdfplumber.page as pp

    stats = {"pages": 0, "seconds": 0.0}
    orig = pp.Page.parse_objects

    def parse_objects(self):
        t = time.perf_counter()
        try:
            return orig(self)
        finally:
            stats["pages"] += 1
            stats["seconds"] += time.perf_counter() - t

    pp.Page.parse_objects = parse_objects
    try:
        yield stats
    finally:
        pp.Page.parse_objects = orig


# --------------------------------------------------------------------------------------------
# databases


class Databases:
    """Fresh databases for the runs: SQLite files in a folder, or new databases on a PostgreSQL server."""

    def __init__(self, folder: Path, base_url: str | None):
        self.folder = folder
        self.base = base_url if base_url and base_url.startswith("postgresql") else None
        self.created: list[str] = []

    def fresh(self, label: str) -> str:
        if not self.base:
            n = 1
            while (self.folder / f"{label}{n}.db").exists() or f"{label}{n}" in self.created:
                n += 1
            self.created.append(f"{label}{n}")
            return f"sqlite:///{self.folder / f'{label}{n}.db'}"
        from sqlalchemy import create_engine, text

        name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return self.base.rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        if not self.base or not self.created:
            return
        self.created = [n for n in self.created if n.startswith("bench_")]
        from sqlalchemy import create_engine, text

        from pipeline.store.db import open_store

        open_store.cache_clear()
        admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            for name in self.created:
                with contextlib.suppress(Exception):
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def records(url: str) -> dict[str, tuple]:
    """sha256 -> (status, pages, text length, sorted active items): what a run stored, comparable across runs."""
    from sqlalchemy import select

    from pipeline.store import open_store
    from pipeline.store.models import Document, Item

    sessions = open_store(url)
    out: dict[str, tuple] = {}
    with sessions() as s:
        items: dict[int, list] = {}
        for it in s.scalars(select(Item).where(Item.active.is_(True))):
            items.setdefault(it.document_id, []).append(
                (it.field, it.key, json.dumps(it.value, sort_keys=True, ensure_ascii=False), it.start, it.end, it.page))
        for d in s.scalars(select(Document)):
            out[d.sha256] = (d.status, d.pages, len(d.text or ""), tuple(sorted(items.get(d.id, []))))
    sessions.kw["bind"].dispose()
    return out


# --------------------------------------------------------------------------------------------
# the phases


def measure_stages(paths: list[Path], url: str, sampler: RssSampler, say) -> tuple[dict[str, Stage], list[tuple[str, str]], list[Path]]:
    """Read, normalize, NLP, extract, store, one document after another. Returns the stages,
    (file name, normalized text) of each document, and the PDFs that were read."""
    from extractors import extract_all, version_tag
    from pipeline.nlp import make_doc
    from pipeline.normalize import normalize
    from pipeline.readers import read_bytes, sniff
    from pipeline.store import open_store, repo

    import hashlib

    stages = {k: Stage(k) for k in ("read", "normalize", "nlp", "extract", "store")}
    per_format: dict[str, Stage] = {}
    texts: list[tuple[str, str]] = []
    pdfs: list[Path] = []
    sessions = open_store(url)
    versions = version_tag()
    # warm up the lazy parts (the segmenter's model, spaCy's vocabulary, lexicons): a one-off, reported apart
    warm = Clock()
    with warm:
        make_doc("Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 8.")
        tiny = _tiny_text()
        extract_all(make_doc(tiny.text), tiny, None)
    sampler.reset()
    with plumber_meter() as plumber:
        for k, path in enumerate(paths):
            data = path.read_bytes()
            try:
                fmt = sniff(data, path.name)
            except Exception:  # noqa: BLE001
                continue
            c = Clock()
            try:
                with c:
                    source = read_bytes(data, path.name)
            except Exception as err:  # noqa: BLE001
                say(f"  {path.name}: not read ({err})")
                continue
            pages = source.pages or 0
            stages["read"].add(c, pages=pages)
            per_format.setdefault(fmt, Stage(f"read {fmt}")).add(c, pages=pages)
            if fmt == "pdf":
                pdfs.append(path)
            c = Clock()
            with c:
                text = normalize(source.blocks)
            n = len(text.text)
            stages["read"].chars += n
            per_format[fmt].chars += n
            stages["normalize"].add(c, pages=pages, chars=n)
            c = Clock()
            with c:
                doc = make_doc(text.text)
            stages["nlp"].add(c, pages=pages, chars=n)
            c = Clock()
            with c:
                items = extract_all(doc, text, None)
            stages["extract"].add(c, pages=pages, chars=n)
            c = Clock()
            with c, sessions() as s:
                repo.save_analysis(s, hashlib.sha256(data).hexdigest(), path, len(data), source, text, items, versions)
                s.commit()
            stages["store"].add(c, pages=pages, chars=n)
            texts.append((path.name, text.text))
            if (k + 1) % 50 == 0:
                say(f"  stages: {k + 1}/{len(paths)} documents")
    sessions.kw["bind"].dispose()
    for st in stages.values():
        st.peak_rss = st.peak_rss or sampler.peak  # (not Linux: the process's sampled peak)
    if "doc" in per_format:  # LibreOffice's own memory, outside this process
        import resource

        per_format["doc"].extra["soffice_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    stages["read"].extra["pdfplumber_pages_parsed"] = plumber["pages"]
    stages["read"].extra["pdfplumber_seconds"] = round(plumber["seconds"], 3)
    stages["nlp"].extra["warm_up_s"] = round(warm.wall, 3)
    for fmt, st in sorted(per_format.items()):
        st.peak_rss = st.peak_rss or sampler.peak
        stages[f"read {fmt}"] = st
    trio = [stages[k] for k in ("normalize", "nlp", "extract")]
    nx = Stage("nlp+extract", docs=stages["nlp"].docs, pages=stages["nlp"].pages, chars=stages["nlp"].chars,
               wall=sum(t.wall for t in trio), cpu=sum(t.cpu for t in trio), peak_rss=max(t.peak_rss for t in trio),
               peak_rise=max(t.peak_rise for t in trio), note="normalize + segmentation + extraction")
    stages["nlp+extract"] = nx
    return stages, texts, pdfs


def _tiny_text():
    from pipeline.model import Block
    from pipeline.normalize import normalize

    return normalize([Block(text="Ngày 4 tháng 4 năm 2022, Tỉnh ủy tổ chức Hội nghị.", kind="paragraph")])


def baseline_pdfplumber(pdfs: list[Path], max_pages: int) -> Stage:
    """pdfplumber ``extract_text`` alone on the corpus' PDF pages (the first ``max_pages``)."""
    import pdfplumber

    st = Stage("pdfplumber extract_text")
    for path in pdfs:
        if st.pages >= max_pages:
            break
        c = Clock()
        with c, pdfplumber.open(str(path)) as pdf:
            chars = 0
            n = 0
            for page in pdf.pages[: max_pages - st.pages]:
                chars += len(page.extract_text() or "")
                n += 1
        st.add(c, pages=n, chars=chars)
    return st


def baseline_underthesea(texts: list[tuple[str, str]], max_chars: int) -> tuple[Stage, Stage]:
    """underthesea ``ner`` and ``word_tokenize`` over the same lines (the first ``max_chars`` characters)."""
    from underthesea import ner, word_tokenize

    lines: list[str] = []
    total = 0
    for _, text in texts:
        for line in text.split("\n"):
            if line.strip():
                lines.append(line)
                total += len(line) + 1
                if total >= max_chars:
                    break
        if total >= max_chars:
            break
    ner("Hội nghị lần thứ 8.")  # load the model outside the clock
    out = []
    for name, fn in (("underthesea ner", ner), ("underthesea word_tokenize", word_tokenize)):
        st = Stage(name)
        c = Clock()
        with c:
            for line in lines:
                fn(line)
        st.add(c, docs=0, chars=sum(len(x) + 1 for x in lines))
        out.append(st)
    return out[0], out[1]


def plain_loop(paths: list[Path], url: str) -> Clock:
    """The same stage functions as the flow, in a plain loop, one process."""
    from extractors import version_tag
    from pipeline.config import max_bytes
    from pipeline.ingest import ingest_file
    from pipeline.store import open_store

    c = Clock()
    with c:
        sessions = open_store(url)
        versions = version_tag()
        for p in paths:
            ingest_file(p, sessions, versions=versions, max_bytes=max_bytes())
    sessions.kw["bind"].dispose()
    return c


def run_flow(paths: list[Path], url: str, workers: int) -> tuple[Clock, dict]:
    from flows.ingest import ingest_flow

    c = Clock()
    with c:
        summary = ingest_flow(paths=[str(p) for p in paths], db_url=url, workers=workers)
    return c, summary


def start_prefect_api() -> tuple[float, str]:
    """Start (or reach) Prefect's API before the flows are timed; seconds it took and how."""
    from pipeline.config import prepare_prefect

    prepare_prefect()
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    import flows.ingest  # noqa: F401  (imported before the flows are timed, as the plain loop's modules are)

    t = time.perf_counter()
    how = "server at PREFECT_API_URL" if PREFECT_API_URL.value() else "temporary local server"
    with get_client(sync_client=True) as client:
        client.api_healthcheck()
        client.raise_for_api_version_mismatch_once()
    return time.perf_counter() - t, how


def api_url() -> str | None:
    """The address of the Prefect API this process uses (the temporary server's, once started)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        url = str(client.api_url)
    return url if url.startswith("http") and "ephemeral" not in url else None


def code_fingerprint() -> str:
    """A hash of the pipeline's and extractors' source: a change during the run (others editing the
    tree) explains records that differ between runs."""
    import hashlib

    h = hashlib.sha256()
    for folder in ("pipeline", "extractors", "flows"):
        for p in sorted((ROOT / folder).rglob("*")):
            if p.suffix in (".py", ".txt") and p.is_file():
                h.update(p.name.encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def cold_ingest(targets: Path | list[Path], url: str, workers: int, api: str | None = None, label: str = "cold",
                server: ServerBench | None = None) -> tuple[float, int, dict, str]:
    """``minutes ingest TARGETS`` in a new process: wall seconds, peak RSS, summary, error.

    ``server``: through the bench's background server (the peak is then that of the command's and the
    server's process trees together, sampled at the same instants); else in the process
    (MINUTES_SERVER=off) with Prefect's temporary server, or the one at ``api``."""
    targets = [targets] if isinstance(targets, Path) else targets
    out = (server.state.parent if server is not None else targets[0].parent) / f"{label}-summary.json"
    if server is not None:
        env, also = server.env, [p for p in [server.pid()] if p]
    else:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env["MINUTES_SERVER"] = "off"
        if api:
            env["PREFECT_API_URL"] = api
        also = []
    cmd = [sys.executable, "-m", "pipeline.cli", "ingest", *map(str, targets), "--db", url, "-q", "--json", str(out),
           "--workers", str(workers)]
    before = RssSampler(also[0]) if also else None  # the server's CPU seconds so far
    if before is not None:
        before.sample()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = RssSampler(proc.pid, interval=0.5, pss=True, also=also)
    base = dict(before._cpu) if before is not None else {}
    with sampler:
        try:
            _, err = proc.communicate(timeout=3600)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    wall = time.perf_counter() - t
    summary = json.loads(out.read_text()) if out.exists() else {}
    summary["_tree_cpu"] = sum(c - base.get(q, 0.0) for q, c in sampler._cpu.items())
    summary["_peak_pss"] = sampler.peak_pss
    return wall, sampler.peak, summary, (err or "")[-2000:] if proc.returncode else ""


# --------------------------------------------------------------------------------------------
# the background server, as a user meets it


class ServerBench:
    """``minutes`` commands in new processes, with a background server of the bench's own (its state in
    the work folder, ``workers`` warm workers); ``stop`` at the end."""

    def __init__(self, work: Path, workers: int) -> None:
        self.state = work / "state"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")
                    and k not in ("MINUTES_SERVER_IDLE", "MINUTES_SERVER_WORKERS", "MINUTES_DATABASE_URL")}
        self.env.update(MINUTES_STATE_DIR=str(self.state), MINUTES_SERVER="auto", MINUTES_WORKERS=str(workers))

    def run(self, *args: str) -> float:
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], env=self.env, capture_output=True,
                           text=True, timeout=3600)
        if r.returncode:
            raise click.ClickException(f"minutes {' '.join(args)} failed: {r.stderr[-1500:]}")
        return time.perf_counter() - t

    def pid(self) -> int | None:
        try:
            return int((self.state / "server" / "prefect-server.pid").read_text())
        except (OSError, ValueError):
            return None

    def rss(self) -> int:
        pid = self.pid()
        return _tree_rss(pid) if pid else 0

    def restart(self) -> float:
        """Stop the server and start a new one; seconds until it was up (its runner ready)."""
        self.run("server", "stop")
        return self.run("server", "start")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.run("server", "stop")


def text_layer_pdfs() -> list[Path]:
    """The text-layer PDFs of the shared dev set's PDF rendering and of the shared corpus (the issue's set)."""
    shared = _shared_dir()
    found = sorted((shared / "eval" / "dev" / "formats" / "pdf").glob("*.pdf")) + sorted((shared / "corpus").glob("*.pdf"))
    return [p for p in found if _has_text_layer(p)]


def server_figures(work: Path, corpus: Path, n_docs: int, workers: int, dbs: Databases, say) -> tuple[dict, dict]:
    """The targets of a long-lived server, each command a new process as a user runs it: one small text
    file with the server warm; an unchanged re-run of the corpus folder against its first run; the first
    command after a (re)start over the text-layer PDFs against pdfplumber ``extract_text`` on the same
    pages. Returns (figures, ratios)."""
    out: dict = {}
    ratios: dict = {}
    sb = ServerBench(work, workers)
    try:
        say("background server: starting one (a new state folder: Prefect creates its database)…")
        out["server_first_start_s"] = round(sb.run("server", "start"), 2)
        out["server_idle_rss_mb"] = round(sb.rss() / 2**20, 1)
        txt = min((p for p in corpus.iterdir() if p.suffix == ".txt"), key=lambda p: p.stat().st_size, default=None)
        if txt is not None:
            say(f"background server: `minutes ingest` of one small text file ({txt.stat().st_size:,} bytes), 3 times…")
            walls = [cold_ingest(txt, dbs.fresh("one"), workers, label=f"one{i}", server=sb)[0] for i in range(3)]
            out["one_text_file_s"] = [round(w, 2) for w in walls]
            ratios["server_one_text_file_s"] = round(sorted(walls)[1], 2)
        say(f"background server: `minutes ingest` of the {n_docs}-document folder, then again (unchanged)…")
        url = dbs.fresh("srv")
        first = cold_ingest(corpus, url, workers, label="first", server=sb)
        again = cold_ingest(corpus, url, workers, label="again", server=sb)
        for key, (wall, peak, summary, err) in (("folder_first_run", first), ("folder_unchanged_rerun", again)):
            out[key] = {"files": summary.get("files"), "status": summary.get("status"), "wall_s": round(wall, 2),
                        "cpu_s": round(summary.get("_tree_cpu", 0), 2), "peak_rss_mb": round(peak / 2**20, 1),
                        **({"error": err} if err else {})}
        ratios["server_rerun_vs_first_run"] = _ratio(again[0], first[0])
        pdfs = text_layer_pdfs()
        if pdfs:
            say("background server: restarted; the first command: `minutes ingest` of "
                f"{len(pdfs)} text-layer PDFs…")
            out["server_restart_s"] = round(sb.restart(), 2)
            wall, peak, summary, err = cold_ingest(pdfs, dbs.fresh("pdf"), workers, label="pdf", server=sb)
            pages = sum(o.get("pages") or 0 for o in summary.get("outcomes", []))
            say(f"baseline: pdfplumber extract_text on the same {pages} pages…")
            plumber = baseline_pdfplumber(pdfs, 10**9)
            out["cold_pdf_after_start"] = {
                "files": summary.get("files"), "status": summary.get("status"), "pages": pages, "wall_s": round(wall, 2),
                "cpu_s": round(summary.get("_tree_cpu", 0), 2), "pages_per_s": round(pages / wall, 2) if wall else None,
                "peak_rss_mb": round(peak / 2**20, 1), "pdfplumber": plumber.to_dict(), **({"error": err} if err else {})}
            ratios["server_cold_pdf_vs_pdfplumber"] = _ratio(plumber.wall, wall)
            ratios["server_cold_pdf_vs_pdfplumber_cpu"] = _ratio(plumber.cpu, summary.get("_tree_cpu"))
    finally:
        sb.stop()
    return out, ratios


# --------------------------------------------------------------------------------------------
# the command


def _fmt_rate(x: float | None, unit: str) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f} {unit}" if x >= 100 else f"{x:,.1f} {unit}"


def _mb(b: int) -> str:
    return f"{b / 2**20:,.0f} MB"


@click.command()
@click.option("--docs", "n_docs", type=int, default=200, show_default=True, help="Documents in the corpus.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write every figure as JSON here.")
@click.option("--workers", type=int, default=None, help="Workers for the parallel run [default: the number of cores].")
@click.option("--formats", default=DEFAULT_FORMATS, show_default=True,
              help=f"Comma-separated formats in the corpus ({', '.join(FORMATS)}; doc needs LibreOffice).")
@click.option("--stage-docs", type=int, default=200, show_default=True,
              help="Documents measured stage by stage (the first N of the corpus).")
@click.option("--baseline-pages", type=int, default=60, show_default=True,
              help="PDF pages given to pdfplumber extract_text (its rate is compared, not its total).")
@click.option("--ner-chars", type=int, default=20000, show_default=True,
              help="Characters given to underthesea ner (its rate is compared, not its total).")
@click.option("--e2e-pages", type=int, default=300, show_default=True,
              help="PDF pages (about) in the cold `minutes ingest` run; 0 skips it.")
@click.option("--db", "db_base", default=None,
              help="sqlite (default: files in a temporary folder) or a PostgreSQL URL whose server gets fresh databases.")
@click.option("--skip-flow", is_flag=True, help="Stages and baselines only (no Prefect runs).")
@click.option("--keep", type=click.Path(file_okay=False), default=None, help="Build the corpus and databases here and keep them.")
@click.option("--skip-server", is_flag=True,
              help="No figures of the background server (one small file, the unchanged re-run, the PDFs after a start).")
@click.option("--cold-all", is_flag=True,
              help="Also `minutes ingest --workers N` of the whole corpus through a freshly started background "
                   "server: the peak RSS and PSS of the command's and the server's processes together.")
def bench(n_docs: int, json_out: str | None, workers: int | None, formats: str, stage_docs: int,
          baseline_pages: int, ner_chars: int, e2e_pages: int, db_base: str | None, skip_flow: bool,
          skip_server: bool, keep: str | None, cold_all: bool) -> None:
    """Benchmark: per stage and end to end, pages/s, chars/s, documents/s, peak RSS, and ratios
    (PDF reading vs pdfplumber, Prefect flow vs plain loop, unchanged re-run vs first run,
    NLP + extraction vs underthesea ner, N workers vs 1), all measured in this run."""
    from pipeline.config import default_workers, prepare_prefect

    prepare_prefect()
    workers = workers or default_workers()
    fmts = tuple(f.strip() for f in formats.split(",") if f.strip())
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise click.BadParameter(f"unknown format(s): {', '.join(bad)}", param_hint="--formats")
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="minutes-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    def say(msg: str) -> None:
        click.echo(msg, err=True)

    result: dict = {"docs": n_docs, "workers": workers, "cores": os.cpu_count(), "formats": list(fmts),
                    "load_average_start": list(os.getloadavg()), "code_start": code_fingerprint(),
                    "command": "minutes bench " + " ".join(sys.argv[2:])}
    dbs = Databases(work, db_base)
    t_all = time.perf_counter()
    try:
        with RssSampler() as sampler:
            say(f"building a corpus of {n_docs} documents in {work / 'corpus'}")
            paths = build_corpus(n_docs, work / "corpus", fmts)
            stage_paths = paths[:stage_docs]
            say(f"stages over {len(stage_paths)} documents (one process)…")
            stages, texts, pdfs = measure_stages(stage_paths, dbs.fresh("stages"), sampler, say)
            say(f"baselines: pdfplumber on up to {baseline_pages} pages, underthesea ner on {ner_chars:,} chars…")
            plumber = baseline_pdfplumber(pdfs, baseline_pages) if pdfs else None
            ner_st, wt_st = baseline_underthesea(texts, ner_chars)
            result["stages"] = {k: v.to_dict() for k, v in stages.items()}
            result["baselines"] = {"pdfplumber_extract_text": plumber.to_dict() if plumber else None,
                                   "underthesea_ner": ner_st.to_dict(), "underthesea_word_tokenize": wt_st.to_dict()}
            ratios: dict[str, float | None] = {}
            rpdf = stages.get("read pdf")
            if rpdf and plumber:
                ratios["pdf_read_vs_pdfplumber"] = _ratio(rpdf.rate("pages", True), plumber.rate("pages", True))
                ratios["pdf_read_vs_pdfplumber_wall"] = _ratio(rpdf.rate("pages"), plumber.rate("pages"))
            ratios["nlp_extract_vs_ner"] = _ratio(stages["nlp+extract"].rate("chars", True), ner_st.rate("chars", True))
            ratios["nlp_extract_vs_word_tokenize"] = _ratio(stages["nlp+extract"].rate("chars", True),
                                                            wt_st.rate("chars", True))
            result["ratios"] = ratios
            if not skip_flow:
                e2e: dict = {}
                say("end to end: plain loop of ingest_file (no Prefect)…")
                sampler.reset()
                url_loop = dbs.fresh("loop")
                t_cpu = sampler.tree_cpu()
                loop = plain_loop(paths, url_loop)
                e2e["plain_loop"] = _run_dict(loop, n_docs, sampler.peak, tree_cpu=sampler.tree_cpu() - t_cpu)
                say("end to end: Prefect API…")
                api_s, how = start_prefect_api()
                e2e["prefect_api_start_s"] = round(api_s, 2)
                e2e["prefect_api"] = how
                say("end to end: Prefect flow, 1 worker…")
                sampler.reset()
                url1 = dbs.fresh("flow1")
                t_cpu = sampler.tree_cpu()
                c1, s1 = run_flow(paths, url1, 1)
                e2e["flow_1_worker"] = _run_dict(c1, n_docs, sampler.peak, s1, sampler.tree_cpu() - t_cpu)
                say("end to end: the same folder again (unchanged)…")
                sampler.reset()
                t_cpu = sampler.tree_cpu()
                c_re, s_re = run_flow(paths, url1, 1)
                e2e["rerun_unchanged"] = _run_dict(c_re, n_docs, sampler.peak, s_re, sampler.tree_cpu() - t_cpu)
                say(f"end to end: Prefect flow, {workers} workers…")
                sampler.reset()
                urlw = dbs.fresh(f"flow{workers}")
                t_cpu = sampler.tree_cpu()
                cw, sw = run_flow(paths, urlw, workers)
                cpu_w = sampler.tree_cpu() - t_cpu
                e2e[f"flow_{workers}_workers"] = _run_dict(cw, n_docs, sampler.peak, sw, cpu_w)
                e2e[f"flow_{workers}_workers"]["cpu_use_of_cores"] = round(cpu_w / (cw.wall * (os.cpu_count() or 1)), 2)
                r1 = records(url1)
                e2e["identical_records"] = {"flow_1_vs_plain_loop": r1 == records(url_loop),
                                            f"flow_{workers}_vs_1_worker": r1 == records(urlw)}
                result["end_to_end"] = e2e
                ratios["flow_vs_plain_loop"] = _ratio(c1.wall, loop.wall)
                ratios["flow_overhead"] = round(c1.wall / loop.wall - 1, 3) if loop.wall else None
                ratios["flow_with_api_start_vs_plain_loop"] = _ratio(c1.wall + api_s, loop.wall)
                ratios["rerun_vs_first_run"] = _ratio(c_re.wall, c1.wall)
                ratios[f"speedup_{workers}_workers"] = _ratio(c1.wall, cw.wall)
                if e2e_pages and pdfs:
                    folder = work / "e2e-pdf"
                    folder.mkdir(exist_ok=True)
                    pages = 0
                    import pypdfium2 as pdfium

                    for i, p in enumerate(pdfs * 20):  # copies (varied again) when the corpus has few PDF pages
                        if pages >= e2e_pages:
                            break
                        n = len(pdfium.PdfDocument(str(p)))
                        (folder / f"{i:05d}_{p.name}").write_bytes(vary(p.read_bytes(), ".pdf", 100000 + i))
                        pages += n
                    running = api_url()
                    variants = [("cold_minutes_ingest_pdf", None)]
                    if running:
                        variants.append(("cold_minutes_ingest_pdf_running_server", running))
                    for key, api in variants:
                        say(f"end to end: cold `minutes ingest` of {pages} PDF pages in a new process"
                            f"{' (Prefect server already running)' if api else ''}…")
                        wall, peak, summary, err = cold_ingest(folder, dbs.fresh("cold"), workers, api, key)
                        cold = {"pages": pages, "files": summary.get("files"), "status": summary.get("status"),
                                "wall_s": round(wall, 2), "cpu_s": round(summary.get("_tree_cpu", 0), 2),
                                "pages_per_s": round(pages / wall, 2) if wall else None,
                                "peak_rss_mb": round(peak / 2**20, 1),
                                "peak_pss_mb": round(summary.get("_peak_pss", 0) / 2**20, 1)}
                        if err:
                            cold["error"] = err
                        if plumber and plumber.rate("pages"):
                            cold["pdfplumber_extract_text_s_estimated"] = round(pages / plumber.rate("pages"), 2)
                            ratios[key.replace("cold_minutes_ingest_pdf", "cold_ingest_vs_pdfplumber")] = _ratio(
                                pages / plumber.rate("pages"), wall)
                            if cold["cpu_s"] and plumber.rate("pages", True):
                                ratios[key.replace("cold_minutes_ingest_pdf", "cold_ingest_vs_pdfplumber_cpu")] = \
                                    _ratio(pages / plumber.rate("pages", True), cold["cpu_s"])
                        e2e[key] = cold
            if not skip_server:
                server, server_ratios = server_figures(work, work / "corpus", n_docs, workers, dbs, say)
                result["server"] = server
                ratios.update(server_ratios)
                result["ratios"] = ratios
            if cold_all:
                sb = ServerBench(work, workers)
                try:
                    say("end to end: the background server started; its idle memory…")
                    sb.run("server", "start")
                    time.sleep(2)
                    idle = sb.rss()
                    say(f"end to end: `minutes ingest --workers {workers}` of the whole corpus through it…")
                    wall, peak, summary, err = cold_ingest(work / "corpus", dbs.fresh("coldall"), workers, label="all",
                                                           server=sb)
                finally:
                    sb.stop()
                result.setdefault("end_to_end", {})["cold_minutes_ingest_corpus"] = {
                    "files": summary.get("files"), "status": summary.get("status"), "wall_s": round(wall, 2),
                    "cpu_s": round(summary.get("_tree_cpu", 0), 2), "docs_per_s": round(n_docs / wall, 2) if wall else None,
                    "peak_rss_mb": round(peak / 2**20, 1), "peak_pss_mb": round(summary.get("_peak_pss", 0) / 2**20, 1),
                    "server_idle_rss_mb": round(idle / 2**20, 1), **({"error": err} if err else {})}
                ratios["cold_all_peak_rss_gb"] = round(peak / 2**30, 3)
                result["ratios"] = ratios
            result["peak_rss_mb"] = round(sampler.peak / 2**20, 1)
    finally:
        dbs.drop_all()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    result["seconds"] = round(time.perf_counter() - t_all, 1)
    result["load_average_end"] = list(os.getloadavg())
    result["code_end"] = code_fingerprint()
    result["code_changed_during_run"] = result["code_start"] != result["code_end"]
    print_report(result)
    if json_out:
        Path(json_out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def _ratio(a: float | None, b: float | None) -> float | None:
    if not a or not b:
        return None
    return round(a / b, 3)


def _run_dict(c: Clock, n_docs: int, peak: int, summary: dict | None = None, tree_cpu: float | None = None) -> dict:
    d = {"wall_s": round(c.wall, 2), "cpu_s": round(tree_cpu if tree_cpu is not None else c.cpu, 2), "docs_per_s": round(n_docs / c.wall, 2) if c.wall else None,
         "peak_rss_mb": round(peak / 2**20, 1)}
    if summary:
        d["status"] = summary.get("status")
        d["chars"] = summary.get("chars")
        pages = sum(o.get("pages") or 0 for o in summary.get("outcomes", []))
        d["pages"] = pages
        if c.wall:
            d["pages_per_s"] = round(pages / c.wall, 2)
            d["chars_per_s"] = round((summary.get("chars") or 0) / c.wall, 0)
    return d


def print_report(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(width=max(Console().width, 150))
    t = Table(title=f"minutes bench: {r['docs']} documents ({', '.join(r['formats'])}), {r['cores']} cores, "
                    f"load {r['load_average_start'][0]:.1f}→{r['load_average_end'][0]:.1f}")
    for col in ("stage", "docs", "pages", "chars", "wall s", "cpu s", "docs/s", "pages/s (cpu)", "chars/s (cpu)",
                "peak RSS", "+ per doc"):
        t.add_column(col, justify="left" if col == "stage" else "right")
    rows = list(r["stages"].values()) + [b for b in r["baselines"].values() if b]
    for s in rows:
        t.add_row(s["name"], str(s["docs"] or ""), str(s["pages"] or ""), f"{s['chars']:,}" if s["chars"] else "",
                  f"{s['wall_s']:.2f}", f"{s['cpu_s']:.2f}", _fmt_rate(s.get("docs_per_s"), ""),
                  _fmt_rate(s.get("pages_per_s_cpu"), ""), _fmt_rate(s.get("chars_per_s_cpu"), ""),
                  f"{s['peak_rss_mb']:,.0f} MB", f"{s.get('peak_rise_mb', 0):,.0f} MB"
                  + (f" (soffice {s['soffice_peak_rss_mb']:,.0f} MB)" if s.get("soffice_peak_rss_mb") else ""))
    con.print(t)
    con.print("peak RSS: this process's highest resident memory during the stage; + per doc: the most one "
              "document's pass through the stage raised it")
    rd = r["stages"]["read"]
    if rd.get("pdfplumber_pages_parsed"):
        con.print(f"reader: pdfplumber parsed {rd['pdfplumber_pages_parsed']} pages in {rd['pdfplumber_seconds']} s "
                  f"(tables/ruled pages)")
    e2e = r.get("end_to_end")
    if e2e:
        t = Table(title="end to end (whole corpus)")
        for col in ("run", "wall s", "cpu s", "docs/s", "pages/s", "chars/s", "peak RSS", "status"):
            t.add_column(col, justify="left" if col in ("run", "status") else "right")
        for k, v in e2e.items():
            if isinstance(v, dict) and "wall_s" in v:
                t.add_row(k, f"{v['wall_s']:.2f}", str(v.get("cpu_s", "")), str(v.get("docs_per_s") or ""),
                          str(v.get("pages_per_s") or ""), f"{v['chars_per_s']:,.0f}" if v.get("chars_per_s") else "",
                          f"{v['peak_rss_mb']:,.0f} MB" + (f" (PSS {v['peak_pss_mb']:,.0f})" if v.get("peak_pss_mb") else ""),
                          json.dumps(v.get("status") or {}))
        con.print(t)
        if "prefect_api" in e2e:
            con.print(f"Prefect API ({e2e['prefect_api']}) ready in {e2e['prefect_api_start_s']} s; "
                      f"identical records: {e2e['identical_records']}")
    srv = r.get("server")
    if srv:
        t = Table(title="the background server (each command a new process)")
        for col in ("run", "wall s", "cpu s", "peak RSS (command + server)", "status"):
            t.add_column(col, justify="left" if col in ("run", "status") else "right")
        for k in ("folder_first_run", "folder_unchanged_rerun", "cold_pdf_after_start"):
            v = srv.get(k)
            if v:
                t.add_row(k, f"{v['wall_s']:.2f}", f"{v['cpu_s']:.2f}", f"{v['peak_rss_mb']:,.0f} MB",
                          json.dumps(v.get("status") or {}))
        con.print(t)
        pdf = srv.get("cold_pdf_after_start") or {}
        con.print(f"server first start {srv.get('server_first_start_s')} s (idle: {srv.get('server_idle_rss_mb')} MB), "
                  f"restart {srv.get('server_restart_s', '-')} s; one small text file: {srv.get('one_text_file_s')} s; "
                  f"PDFs: {pdf.get('pages')} pages, pdfplumber extract_text {pdf.get('pdfplumber', {}).get('wall_s')} s "
                  f"wall ({pdf.get('pdfplumber', {}).get('cpu_s')} s CPU)")
    t = Table(title="ratios (same run)")
    t.add_column("ratio")
    t.add_column("value", justify="right")
    t.add_column("target")
    targets = {"pdf_read_vs_pdfplumber": "≥ 10×", "nlp_extract_vs_ner": "≥ 30,000 chars/s per core (≈ 9× ner)",
               "flow_overhead": "≤ 0.10", "rerun_vs_first_run": "≤ 0.05",
               "cold_ingest_vs_pdfplumber": "(in process, MINUTES_SERVER=off)",
               "cold_ingest_vs_pdfplumber_running_server": "(in process, a running Prefect server)",
               f"speedup_{r['workers']}_workers": "both cores used",
               "server_one_text_file_s": "≤ 3 s (median of 3, seconds)", "server_rerun_vs_first_run": "≤ 0.05",
               "server_cold_pdf_vs_pdfplumber": "≥ 5× (wall)", "server_cold_pdf_vs_pdfplumber_cpu": "(CPU seconds)",
               "cold_all_peak_rss_gb": "≤ 1.5 GB (command + server, 1,000 mixed docs, 2 workers)"}
    for k, v in r["ratios"].items():
        t.add_row(k, "-" if v is None else f"{v:,.3f}", targets.get(k, ""))
    con.print(t)
    con.print(f"peak RSS (this process and its children): {r.get('peak_rss_mb', 0):,.0f} MB; {r['seconds']} s in all")
    if r.get("code_changed_during_run"):
        con.print("[yellow]the source tree changed during the run: records may differ between runs for that reason[/]")
