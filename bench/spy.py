"""Where a running gunicorn worker spends its time: py-spy samples of the workers, summed by function.

Used by ``bench/load_run.py --profile``: py-spy (requirements-dev.txt) attaches to each worker
without stopping it (``--nonblocking``) and writes one line per distinct stack with its sample
count. ``summary`` keeps the samples taken inside a request (below Django's WSGI handler) and gives
each function its inclusive share of them: the time of a request spent in that function and
everything it called, whether on the CPU or waiting for PostgreSQL (which runs on the same core).
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

VENV_BIN = Path(__file__).resolve().parent.parent / ".venv" / "bin"
REQUEST = "WSGIHandler.__call__"
# What the table groups: Django's layers, the driver, and the project's own functions.
WATCHED = (
    "WSGIHandler.__call__",
    "SessionStore.load",
    "get_user (django/contrib/auth/__init__.py)",
    "render (django/shortcuts.py)",
    "CrispyFormNode.render",
    "SQLCompiler.as_sql",
    "SQLCompiler.execute_sql",
    "Cursor.execute (psycopg/cursor.py)",
    "Model.__init__",
    "Model.save",
    "HistoricalRecords.post_save",
)


def workers_of(master_pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def start(pids: list[int], seconds: float, out_dir: Path, cpus: str = "", rate: int = 100) -> list[subprocess.Popen]:
    """One py-spy per worker for ``seconds``; pinned to ``cpus`` so that its sampling is not the server's cost."""
    procs = []
    for pid in pids:
        argv = [str(VENV_BIN / "py-spy"), "record", "--pid", str(pid), "--duration", str(int(seconds))]
        argv += ["--rate", str(rate), "--format", "raw", "--nonblocking", "--output", str(out_dir / f"spy-{pid}.txt")]
        procs.append(subprocess.Popen([*(["taskset", "-c", cpus] if cpus else []), *argv], stdout=subprocess.DEVNULL))
    return procs


FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?)(?::\d+)?\)$")


def _key(frame: str) -> str:
    """``func (path:line)`` → ``func (short path)``: lines of one function are summed together."""
    m = FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    path = path.split("site-packages/", 1)[-1]
    path = re.sub(r"^.*?/(agencies|parindex|remediation|compilation|config)/", r"\1/", path)
    return f"{m.group('func')} ({path})"


def summary(files: list[Path]) -> tuple[int, Counter]:
    """(samples inside a request, inclusive samples per function) over the given raw py-spy outputs."""
    inclusive: Counter = Counter()
    total = 0
    for path in files:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            stack, count = line.rsplit(" ", 1)
            keys = [_key(f) for f in stack.split(";")]
            if not any(k.startswith(REQUEST) for k in keys):
                continue
            n = int(count)
            total += n
            for k in set(keys):
                inclusive[k] += n
    return total, inclusive


def table(total: int, inclusive: Counter, own: int = 25) -> str:
    """Markdown: the watched layers, then the project's own functions with the largest shares."""
    if not total:
        return "(no samples inside a request)"
    rows = ["| function (inclusive: with what it calls) | share of request time |", "|---|---:|"]
    for watched in WATCHED:
        hits = [v for k, v in inclusive.items() if k.startswith(watched)]
        if hits:
            rows.append(f"| `{watched}` | {100 * max(hits) / total:.1f} % |")
    mine = [
        (k, v)
        for k, v in inclusive.most_common()
        if re.search(r"\((agencies|parindex|remediation|compilation|config)/", k) and "middleware" not in k
    ]
    rows.append("| *the project's own functions:* | |")
    for k, v in mine[:own]:
        rows.append(f"| `{k}` | {100 * v / total:.1f} % |")
    return "\n".join(rows)
