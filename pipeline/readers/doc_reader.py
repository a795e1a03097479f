"""Word 97-2003 .doc, RTF (and other OLE Word files) -> .docx with LibreOffice -> docx reader.

Each call converts in a private temporary directory with its own LibreOffice
profile (``-env:UserInstallation``; a copy of the profile an earlier call of
the process created, which saves LibreOffice's first-start setup); a
stuck conversion is killed after ``timeout`` seconds
(``$MINUTES_SOFFICE_TIMEOUT``, default 120). At most one conversion runs at a
time on the machine: every process takes the lock file ``lock_path()``
(``$MINUTES_SOFFICE_LOCK``) around its soffice, which bounds the memory an
ingest with several workers needs.

An OLE container holding an ``EncryptedPackage`` stream is a password
protected .docx/.xlsx, not a .doc: it is refused as encrypted.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from pipeline.model import ReadError, SourceDoc

DEFAULT_TIMEOUT = 120.0
_MISSING = "LibreOffice is needed to read old .doc files: install libreoffice-writer-nogui."

_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_ROOT_ENTRY = "Root Entry".encode("utf-16-le")
_OTHER_OLE = {
    "Workbook".encode("utf-16-le"): "an Excel workbook",
    "PowerPoint Document".encode("utf-16-le"): "a PowerPoint presentation",
}


def soffice_path() -> str | None:
    """LibreOffice's soffice: $MINUTES_SOFFICE, else on PATH, else the usual places."""
    env = os.environ.get("MINUTES_SOFFICE")
    if env:
        return env if os.path.exists(env) else None
    for name in ("soffice", "libreoffice"):
        p = shutil.which(name)
        if p:
            return p
    for p in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
              "/Applications/LibreOffice.app/Contents/MacOS/soffice"):
        if os.path.exists(p):
            return p
    return None


def _timeout() -> float:
    try:
        return float(os.environ.get("MINUTES_SOFFICE_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def check_ole(data: bytes) -> None:
    """Refuse OLE containers that are not Word documents we can convert."""
    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        return
    if _ENCRYPTED_PACKAGE in data or _ENCRYPTION_INFO in data:
        raise ReadError("The Word document is protected with a password: save an unprotected copy and "
                        "upload that.", "encrypted")
    if _WORD_STREAM not in data:
        # only trust the stream name when the OLE directory itself is intact (a
        # truncated .doc loses its directory, and then the names mean nothing)
        for marker, what in _OTHER_OLE.items():
            if marker in data and _ROOT_ENTRY in data:
                raise ReadError(f"The file is {what}, not a Word document.", "unsupported")
    _check_word97_encryption(data)


def _check_word97_encryption(data: bytes) -> None:
    """The fEncrypted bit of the Word 97 FIB (offset 0x0B of the WordDocument
    stream). Without parsing the OLE directory, look for the FIB magic 0xA5EC
    at a sector boundary and read the flags next to it."""
    for off in range(512, min(len(data), 512 * 4096), 512):
        if data[off:off + 2] == b"\xec\xa5":
            flags = data[off + 0x0A] | (data[off + 0x0B] << 8)
            if flags & 0x0100:  # fEncrypted
                raise ReadError("The Word document is protected with a password: save an unprotected copy "
                                "and upload that.", "encrypted")
            return


def convert_to_docx(data: bytes, suffix: str = ".doc", timeout: float | None = None) -> bytes:
    soffice = soffice_path()
    if not soffice:
        raise ReadError(_MISSING, "unreadable")
    timeout = _timeout() if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="minutes-soffice-") as tmp:
        tmpd = Path(tmp)
        src = tmpd / f"input{suffix}"
        src.write_bytes(data)
        out = tmpd / "out"
        out.mkdir()
        profile = tmpd / "profile"
        _seed_profile(profile)
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "docx:MS Word 2007 XML",
               "--outdir", str(out), str(src)]
        env = dict(os.environ, HOME=str(tmpd), SAL_USE_VCLPLUGIN="svp")
        with one_conversion_at_a_time():
            try:
                proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                        start_new_session=True, cwd=tmp)
            except OSError as err:
                raise ReadError(f"{_MISSING} (it could not be started: {err.strerror})", "unreadable")
            try:
                _so, se = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(proc)
                raise ReadError(f"Converting the old Word document took longer than {int(timeout)} seconds and "
                                "was stopped; open it in Word or LibreOffice and save it as .docx.", "timeout")
            finally:
                if proc.poll() is None:
                    _kill(proc)
        result = out / "input.docx"
        if result.exists() and result.stat().st_size and proc.returncode == 0:
            _keep_template(profile)
        if not result.exists() or result.stat().st_size == 0:
            detail = (se or b"").decode("utf-8", "replace").strip().splitlines()
            err = ReadError("The old Word document could not be converted; it may be damaged or protected with a "
                            "password: open it in Word or LibreOffice and save it as .docx.", "corrupt")
            err.detail = detail[-1][:200] if detail else None
            raise err
        return result.read_bytes()


def lock_path() -> Path:
    """The lock file every process converting with LibreOffice on this machine shares
    (``$MINUTES_SOFFICE_LOCK``, default ``minutes-soffice.lock`` in the temporary folder)."""
    return Path(os.environ.get("MINUTES_SOFFICE_LOCK") or Path(tempfile.gettempdir()) / "minutes-soffice.lock")


@contextlib.contextmanager
def one_conversion_at_a_time():
    """Hold the machine's LibreOffice lock for the block: one soffice (a few hundred MB) at a time,
    however many worker processes convert. The conversion's timeout starts once the lock is held."""
    try:
        import fcntl

        fd = os.open(lock_path(), os.O_RDONLY | os.O_CREAT, 0o666)  # another user's file opens read-only
    except (ImportError, OSError):  # no lock to be had (not POSIX, a read-only folder): convert anyway
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


# A fresh LibreOffice profile costs seconds to create; each call still gets its own
# private copy, seeded from one made by an earlier successful call of this process.
_TEMPLATE: Path | None = None
_TEMPLATE_LOCK = threading.Lock()


def _seed_profile(profile: Path) -> None:
    if _TEMPLATE is None or not _TEMPLATE.is_dir():
        return
    try:
        shutil.copytree(_TEMPLATE, profile, symlinks=True)
    except OSError:
        shutil.rmtree(profile, ignore_errors=True)


def _keep_template(profile: Path) -> None:
    global _TEMPLATE
    with _TEMPLATE_LOCK:
        if _TEMPLATE is not None or not profile.is_dir():
            return
        dest = Path(tempfile.mkdtemp(prefix="minutes-soffice-profile-")) / "profile"
        try:
            shutil.copytree(profile, dest, symlinks=True,
                            ignore=shutil.ignore_patterns(".lock", "*.lock", "crash", "backup"))
        except OSError:
            shutil.rmtree(dest.parent, ignore_errors=True)
            return
        _TEMPLATE = dest
        atexit.register(shutil.rmtree, dest.parent, True)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def read(data: bytes, name: str = "") -> SourceDoc:
    from pipeline.readers import docx_reader

    check_ole(data)
    suffix = ".rtf" if data.lstrip()[:5] == b"{\\rtf" else ".doc"
    docx_bytes = convert_to_docx(data, suffix)
    try:
        src = docx_reader.read(docx_bytes, name)
    except ReadError as err:
        if err.kind == "empty":
            raise ReadError("The old Word document has no text (it may hold only pictures or be empty).", "empty")
        raise
    src.format = "rtf" if suffix == ".rtf" else "doc"
    if name.lower().endswith(".docx") and suffix == ".doc":
        src.warnings.append("The file is an old Word 97-2003 document (.doc) saved with a .docx name.")
    return src
