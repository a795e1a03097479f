"""Reviewers teach the machine: reviewed documents in the database become
training examples, the model is retrained on them (with any gold folders
given), and stored documents whose extractor version changed are re-extracted.

How a document's decisions become labels (``extractors.learn.align.label``
aligns candidates with a record the way the scorer matches):

* a document **marked reviewed**: its reviewed record (accepted, edited and
  added values; rejected ones left out) is its gold record: every candidate
  that matches no value in it is a negative ("what is absent is absent");
* a document **in review** (a person decided on some of its values):
  accepted, edited and added values are positives; rejected suggestions,
  and the machine's original of an edited value, are negatives; every other
  candidate is left unlabeled (nobody said). Its meeting slots are labeled
  only when a person accepted or edited the meeting;
* the machine's own auto-acceptances teach nothing unless a person then
  marked the document reviewed.

A document both reviewed and in a gold folder (same content hash or file
name) counts once: the review wins. Reviewer decisions are only read here,
never written; re-extraction replaces machine suggestions only.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.records import to_record
from pipeline.store import review as rv
from pipeline.store.models import Document, SourceFile, TrainingRun, now

log = logging.getLogger("minutes.retrain")

#: cached analysis of a stored document (by content hash): its unlabeled candidates, rule items and size
Analysis = tuple[list[Any], list[dict[str, Any]], int]


@dataclass
class ReviewLabels:
    """What a person decided on one document, as records in the SCHEMA.md shape."""

    positives: dict[str, Any]
    negatives: dict[str, Any]
    complete: bool  # marked reviewed: what is absent is absent
    meeting_decided: bool


@dataclass
class TrainResult:
    model_hash: str
    path: Path
    documents: int
    make_up: dict[str, Any]
    reextracted: int = 0
    auto_accepted: int = 0
    in_use: bool = True
    messages: list[str] = field(default_factory=list)


class RetrainError(Exception):
    """Nothing to train on, or a retraining refused; ``message`` says why (for the page and the CLI)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- decisions -> labels


def review_labels(doc: Document, views: list[rv.ItemView]) -> ReviewLabels | None:
    """The labels a document's decisions give (None: no person decided anything on it)."""
    complete = doc.review_state == "reviewed"
    person = [v for v in views if v.review is not None and not v.review.machine]
    if not complete and not person:
        return None
    if complete:
        pos = [v for v in views if v.state in rv.REVIEWED_STATES and v.value]
    else:
        pos = [v for v in person if v.state in rv.REVIEWED_STATES and v.value]
    neg = []
    for v in person:
        if v.state == "rejected" and v.review.value:
            neg.append({"field": v.field, "value": v.review.value, "start": v.start})
        elif v.state == "edited" and v.review.suggestion and v.review.suggestion != v.review.value:
            neg.append({"field": v.field, "value": v.review.suggestion, "start": v.start})
    positives = to_record(doc.filename, [{"field": v.field, "value": v.value, "start": v.start} for v in pos],
                          extra=False)
    negatives = to_record(doc.filename, neg, extra=False)
    return ReviewLabels(positives, negatives, complete, complete or any(v.field == "meeting" for v in pos))


def apply_labels(cands: list[Any], labels: ReviewLabels) -> None:
    """Label candidates from a document's decisions (see the module's docstring)."""
    from extractors.learn.align import ATTR, MATCH, label

    label(cands, labels.positives)
    if labels.complete:
        return
    pos = [c.label for c in cands]
    label(cands, labels.negatives)
    neg = [c.label for c in cands]
    for c, p, n in zip(cands, pos, neg):
        if c.task in MATCH:
            c.label = 1 if p == 1 else (None if p is None else (0 if n == 1 else None))
        elif c.task.startswith("meeting."):
            c.label = p if labels.meeting_decided else None
        elif c.task in ATTR:
            c.label = p
        else:
            c.label = None


def analyze_stored(doc: Document) -> Analysis:
    """A stored document's candidates (unlabeled) and rule items, from its stored blocks
    (as ingest re-extracts them: normalize, make_doc, the rules, the suggesters)."""
    from extractors import extract_rules
    from extractors.learn.data import example_from_analysis
    from pipeline.nlp import make_doc
    from pipeline.normalize import normalize
    from pipeline.store import repo

    text = normalize(repo.source_blocks(doc).blocks)
    nlp_doc = make_doc(text.text)
    rules = extract_rules(nlp_doc, text)
    ex = example_from_analysis(doc.filename, text, nlp_doc, rules, {}, origin="review")
    return ex.candidates, ex.rules, ex.chars


def examples_from_reviews(session: Session, cache: dict[str, Analysis] | None = None,
                          progress: Callable[[str], None] | None = None) -> list[Any]:
    """One training example (origin "review") per document a person decided on."""
    from extractors.learn.train import Example

    out = []
    # in file-name order, not in order of arrival: the same reviews make the same model
    for doc, views in sorted(rv.all_views(session).values(), key=lambda dv: (dv[0].filename, dv[0].sha256)):
        labels = review_labels(doc, views)
        if labels is None or not doc.blocks:
            continue
        got = cache.get(doc.sha256) if cache is not None else None
        if got is None:
            got = analyze_stored(doc)
            if cache is not None:
                cache[doc.sha256] = got
        cands = [copy.copy(c) for c in got[0]]
        apply_labels(cands, labels)
        gold = labels.positives if labels.complete else {**labels.positives, "_partial": True}
        out.append(Example(doc.filename, cands, gold, got[1], "review", got[2]))
        if progress:
            progress(doc.filename)
    return out


def reviewed_identities(session: Session) -> tuple[set[str], set[str]]:
    """(content hashes, file names) of the documents a person decided on: a gold
    folder's copy of one of them is left out (the review wins)."""
    shas: set[str] = set()
    names: set[str] = set()
    for _doc_id, (doc, views) in rv.all_views(session).items():
        if review_labels(doc, views) is None:
            continue
        shas.add(doc.sha256)
        names.add(doc.filename)
        names.update(session.scalars(select(SourceFile.name).where(SourceFile.document_id == doc.id)))
    return shas, names


def gold_examples(sources: list[tuple[Path, Path]], shas: set[str], names: set[str], exclude: set[str],
                  workers: int | None = None, cache: dict[str, Analysis] | None = None) -> tuple[list[Any], list[str]]:
    """Examples of gold folders, leaving out the set-aside documents and those reviewed in the
    database (same content or same file name); also the names of those left out for a review.
    A document whose content is in ``cache`` is not analyzed again."""
    import json

    from extractors.learn.align import label
    from extractors.learn.data import load_examples, pairs
    from extractors.learn.train import Example

    stems = {Path(n).stem for n in names}
    examples, replaced = [], []
    for docs_dir, gold_dir in sources:
        skip = set(exclude)
        for d, g in pairs(docs_dir, gold_dir):
            if d.name in skip or g.stem in {Path(x).stem for x in exclude}:
                continue
            sha = hashlib.sha256(d.read_bytes()).hexdigest()
            if d.stem in stems or sha in shas:
                skip.add(d.name)
                replaced.append(d.name)
            elif cache is not None and sha in cache:
                skip.add(d.name)
                cands = [copy.copy(c) for c in cache[sha][0]]
                record = json.loads(g.read_text(encoding="utf-8"))
                label(cands, record)
                examples.append(Example(d.name, cands, record, cache[sha][1], "gold", cache[sha][2]))
        got = load_examples(docs_dir, gold_dir, exclude=skip, workers=workers)
        examples += [ex for ex in got if not ex.origin.startswith("error")]
    return examples, replaced


# ---------------------------------------------------------------- training


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for the record
        return "?"


def train_from_reviews(db_url: str | None, gold_sources: list[tuple[Path, Path]] = (), out: Path | None = None,
                       honour_setaside: bool = True, workers: int | None = None, reextract: bool = True,
                       run_id: int | None = None, trigger: str = "command", started_by: str | None = None,
                       keep_richer: bool = False, cache: dict[str, Analysis] | None = None,
                       say: Callable[[str], None] = lambda _m: None) -> TrainResult:
    """Train on every document a person decided on in ``db_url`` and on ``gold_sources``,
    write the model (``out``, else the state folder: the model in use), then re-extract the
    stored documents whose extractor version changed and apply the auto-accept thresholds.

    The run is recorded in ``training_runs`` (``run_id``: the row the review page made).
    ``keep_richer`` refuses to replace a model in use that learned from more documents
    (retraining from the page or the schedule). Raises :class:`RetrainError`.
    """
    from pipeline.store import database_url, open_store

    url = database_url(db_url)
    sessions = open_store(url)
    run_id = _start_run(sessions, run_id, trigger, started_by)
    try:
        result = _train(sessions, url, list(gold_sources), out, honour_setaside, workers, reextract, keep_richer,
                        cache, say)
    except Exception as err:
        message = err.message if isinstance(err, RetrainError) else f"Lỗi: {type(err).__name__}: {err}"
        _finish_run(sessions, run_id, "failed", message=message)
        raise
    _finish_run(sessions, run_id, "done", result)
    return result


def _train(sessions: sessionmaker[Session], url: str, gold_sources: list[tuple[Path, Path]], out: Path | None,
           honour_setaside: bool, workers: int | None, reextract: bool, keep_richer: bool,
           cache: dict[str, Analysis] | None, say: Callable[[str], None]) -> TrainResult:
    from extractors.learn.data import read_setaside
    from extractors.learn.scorer import current_model, state_model_dir
    t0 = time.perf_counter()
    with sessions() as session:
        say("reading the reviewed documents …")
        reviews = examples_from_reviews(session, cache)
        shas, names = reviewed_identities(session)
    exclude = read_setaside() if honour_setaside else set()
    gold, replaced = gold_examples(gold_sources, shas, names, exclude, workers, cache) if gold_sources else ([], [])
    examples = reviews + gold
    if not examples:
        raise RetrainError("Chưa có tài liệu nào đã duyệt (và không có thư mục gold nào): không có gì để học. "
                           "Nothing to train on: no reviewed document in the database and no gold folder.")
    complete = sum(1 for ex in reviews if not ex.gold.get("_partial"))
    make_up = {"gold": len(gold), "review": len(reviews), "review_complete": complete,
               "review_partial": len(reviews) - complete, "gold_replaced_by_review": len(replaced)}
    try:
        before = current_model()
    except (FileNotFoundError, ValueError):
        before = None
    if keep_richer and before is not None and (before.meta.get("documents") or 0) > len(examples):
        raise RetrainError(
            f"Mô hình đang dùng học từ {before.meta.get('documents')} tài liệu; lần huấn luyện này chỉ có "
            f"{len(examples)} ({len(reviews)} đã duyệt, {len(gold)} gold), nên mô hình cũ được giữ. Đặt "
            "MINUTES_RETRAIN_GOLD trỏ tới các thư mục gold để học cùng chúng.")
    say(f"fitting on {len(examples)} documents ({len(reviews)} reviewed, {len(gold)} gold) …")
    model = fit_tolerant(examples, meta={
        "gold": [str(g.resolve()) for _d, g in gold_sources], "from_reviews": safe_url(url),
        "review_documents": {"complete": complete, "partial": len(reviews) - complete},
        "gold_replaced_by_review": sorted(replaced),
        "setaside_left_out": sorted(exclude) if exclude and gold_sources else []})
    target = out or state_model_dir()
    path = model.save(target)
    t1 = time.perf_counter()
    result = TrainResult(model.hash, path, len(examples), make_up)
    result.messages.append(f"model {model.hash}: {len(examples)} documents ({len(reviews)} reviewed, "
                           f"{len(gold)} gold), fitted in {t1 - t0:.1f} s: {path}")
    try:
        now_in_use = current_model()
    except (FileNotFoundError, ValueError):
        now_in_use = None
    result.in_use = now_in_use is not None and now_in_use.hash == model.hash
    if not result.in_use:
        result.messages.append("the new model is not the one in use (--out, or MINUTES_MODEL_DIR names another): "
                               "stored documents were not re-extracted")
    elif reextract:
        say("re-extracting the stored documents whose extractor version changed …")
        result.reextracted = reextract_stale(sessions)
        from pipeline.store.learning import apply_auto_accept

        with sessions() as session:
            result.auto_accepted = apply_auto_accept(session)
            session.commit()
        result.messages.append(f"{result.reextracted} stored documents re-extracted in "
                               f"{time.perf_counter() - t1:.1f} s (reviewer decisions untouched); "
                               f"{result.auto_accepted} suggestions auto-accepted")
    return result


def fit_tolerant(examples: list[Any], meta: dict[str, Any]) -> Any:
    """``extractors.learn.train.fit``, task by task: a task none of whose features is seen in
    two documents of a fold (a handful of reviewed documents) is fitted keeping every feature
    instead of stopping the training (``fit`` raises ValueError then)."""
    from extractors.learn import TASKS
    from extractors.learn.train import fit

    model = fit(examples, tasks=(), meta=meta)
    for task in TASKS:
        try:
            part = fit(examples, tasks=(task,))
        except ValueError:
            try:
                part = fit(examples, tasks=(task,), min_count=1)
            except ValueError:
                log.warning("task %s left out: too few examples to fit", task)
                continue
        model.tasks.update(part.tasks)
    return model


def reextract_stale(sessions: sessionmaker[Session], progress: Callable[[Any], None] | None = None,
                    doc_ids: list[int] | None = None) -> int:
    """Re-extract, from their stored blocks, the stored documents (or ``doc_ids``) whose extractor
    version is not the current one, through ingest's own path (``pipeline.ingest``); returns how many."""
    from extractors import version_tag
    from pipeline.ingest import _ingest_bytes
    from pipeline.process import analyze

    versions = version_tag()
    with sessions() as session:
        q = select(Document.id, Document.sha256).where(Document.status == "done",
                                                       Document.extractor_versions != versions)
        if doc_ids is not None:
            q = q.where(Document.id.in_(doc_ids))
        todo = session.execute(q.order_by(Document.id)).all()
    n = 0
    for doc_id, sha in todo:
        with sessions() as session:
            doc = session.get(Document, doc_id)
            if doc is None or not doc.blocks:
                continue
            path = session.scalar(select(SourceFile.path).where(SourceFile.document_id == doc_id)
                                  .order_by(SourceFile.last_seen.desc(), SourceFile.id.desc()).limit(1))
        out = _ingest_bytes(Path(path or doc.filename), b"", sha, sessions, versions, False, time.perf_counter(),
                            analyze)
        n += out.status == "reextracted"
        if progress:
            progress(out)
    return n


# ---------------------------------------------------------------- the run's record, and starting one in the background


def _start_run(sessions: sessionmaker[Session], run_id: int | None, trigger: str, started_by: str | None) -> int:
    from pipeline.store.learning import new_run

    with sessions() as session:
        run = session.get(TrainingRun, run_id) if run_id is not None else None
        if run is None:
            run = new_run(session, trigger, started_by)
        run.state, run.started_at, run.pid = "running", now(), os.getpid()
        session.commit()
        return run.id


def _finish_run(sessions: sessionmaker[Session], run_id: int, state: str, result: TrainResult | None = None,
                message: str | None = None) -> None:
    with sessions() as session:
        run = session.get(TrainingRun, run_id)
        if run is None:
            return
        run.state, run.finished_at, run.pid = state, now(), None
        if result is not None:
            run.model_hash, run.documents, run.make_up = result.model_hash, result.documents, result.make_up
            run.reextracted = result.reextracted
            run.message = (f"Đã trích xuất lại {result.reextracted} tài liệu (quyết định của người duyệt giữ nguyên); "
                           f"máy tự chấp nhận {result.auto_accepted} mục." if result.in_use else
                           "Mô hình mới được ghi ra thư mục khác, không phải mô hình đang dùng: không trích xuất lại.")
        if message is not None:
            run.message = message[:2000]
        session.commit()


def retrain_gold() -> list[tuple[Path, Path]]:
    """The gold folders a retraining from the page or the schedule learns from besides the reviews:
    $MINUTES_RETRAIN_GOLD (folders separated by ':'; each one's documents in the docs/ beside it),
    else the gold folders the model in use was trained on, where they exist."""
    env = os.environ.get("MINUTES_RETRAIN_GOLD")
    if env is not None:
        folders = [Path(p) for p in env.split(os.pathsep) if p]
    else:
        from extractors.learn.scorer import current_model

        try:
            model = current_model()
        except (FileNotFoundError, ValueError):
            model = None
        folders = [Path(p) for p in ((model.meta.get("gold") if model else None) or [])]
    return [(g.parent / "docs", g) for g in folders if g.is_dir() and (g.parent / "docs").is_dir()]


_CHILDREN: list[subprocess.Popen] = []


def start_background(db_url: str, started_by: str | None, trigger: str = "page") -> TrainingRun:
    """Start ``minutes train --from-reviews`` in a process of its own (reviewing goes on meanwhile).

    Refuses (RetrainError) while another retraining is under way. The run's row is
    returned at once; the process updates it as it goes.
    """
    from pipeline.config import state_dir
    from pipeline.store import open_store
    from pipeline.store.learning import active_run, new_run

    for child in list(_CHILDREN):  # reap finished ones
        if child.poll() is not None:
            _CHILDREN.remove(child)
    sessions = open_store(db_url)
    with sessions() as session:
        if active_run(session) is not None:
            session.commit()
            raise RetrainError("Đang có một lần huấn luyện chạy; hãy chờ nó xong.")
        run = new_run(session, trigger, started_by)
        session.commit()
        run_id = run.id
    logs = state_dir() / "training"
    logs.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pipeline.cli", "train", "--from-reviews", "--run-id", str(run_id),
           "--trigger", trigger, "--keep-richer"]
    for docs_dir, gold_dir in retrain_gold():
        cmd += ["--gold", str(gold_dir), "--docs", str(docs_dir)]
    if started_by:
        cmd += ["--started-by", started_by]
    env = {**os.environ, "MINUTES_DATABASE_URL": db_url}  # not in argv: ps shows argv
    with open(logs / f"run-{run_id}.log", "ab") as fh:
        child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                 start_new_session=True, cwd=os.getcwd())
    _CHILDREN.append(child)
    with sessions() as session:
        run = session.get(TrainingRun, run_id)
        if run.state == "queued":
            run.pid = child.pid
        session.commit()
        return run


def wait_for(db_url: str, run_id: int, timeout: float = 600.0) -> TrainingRun:
    """The run once it has finished (tests, the schedule)."""
    from pipeline.store import open_store

    deadline = time.time() + timeout
    while True:
        with open_store(db_url)() as session:
            run = session.get(TrainingRun, run_id)
            if run is not None and run.state in ("done", "failed"):
                return run
        if time.time() > deadline:
            raise TimeoutError(f"training run {run_id} did not finish in {timeout:.0f} s")
        for child in list(_CHILDREN):
            child.poll()
        time.sleep(0.5)



def run_cli(db: str | None, gold_sources: list[tuple[Path, Path]], out: Path | None, honour_setaside: bool,
            workers: int | None, reextract: bool, run_id: int | None, trigger: str, started_by: str | None,
            keep_richer: bool) -> TrainResult:
    """``minutes train --from-reviews``: train, report, exit 1 with the reason when nothing was trained."""
    import click
    from rich.console import Console

    console = Console(stderr=True)
    try:
        result = train_from_reviews(db, gold_sources, out, honour_setaside, workers, reextract, run_id, trigger,
                                    started_by, keep_richer, say=lambda m: console.print(m))
    except RetrainError as err:
        raise click.ClickException(err.message) from None
    for m in result.messages:
        console.print(m)
    mu = result.make_up
    console.print(f"training set: {result.documents} documents: {mu['review']} reviewed "
                  f"({mu['review_complete']} marked reviewed, {mu['review_partial']} in review), {mu['gold']} gold"
                  + (f" ({mu['gold_replaced_by_review']} gold documents replaced by their review)"
                     if mu["gold_replaced_by_review"] else ""))
    click.echo(str(result.path))
    return result
