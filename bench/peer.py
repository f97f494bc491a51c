"""Side by side with a real peer (issue 18): Redmine 5 from Debian's packages, the same 1,000 tasks.

    .venv/bin/python bench/peer.py [--rounds 7] [--reps 8] [--write-docs]

Needs Redmine 5 installed from Debian's packages as docs/performance.md (section "peer") says,
PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis. One run:

1. writes ``bench.dataset.generate("province")`` (60 agencies, 1,000 tasks, 10,000 progress
   updates) into a scratch PostgreSQL database, the cycle evaluated as of the dataset's date, and
   serves it with gunicorn and the production settings (``bench.topology``);
2. creates a second scratch database on the same server for Redmine (``rake db:migrate``, the
   default English data), loads one project mirroring the tasks with ``rails runner`` (a Ruby
   script written to a temporary file): one issue per task (subject = title, category and assignee
   = the lead agency, one Redmine user per agency, status from the task's derived status, due date
   = deadline, % done = progress) and one journal per progress update (its note and a % done
   detail), then serves Redmine in production mode with puma on loopback;
3. logs in on both through their login forms (CSRF / authenticity token, session cookie): ours as
   the SNV reviewer ``bench-snv-0``, Redmine as its administrator, both with ``demo-2021``;
4. for ``--rounds`` rounds requests every page ``--reps`` times in a row, the pages' order rotated
   each round, so other load on the machine weighs on both sides alike: whole HTTP requests, body
   read, one connection per request on both sides;
5. prints one JSON object (p50/p95 per page, the ratios ours/Redmine, the load average), and with
   ``--write-docs`` writes the peer section of docs/performance.md;
6. stops both servers by pid and drops both databases.

The pairs: our task list (SNV's ``/tasks/``, 25 per page) against Redmine's issue list (25 per
page by default), our manage task list (50 per page) against the issue list with ``per_page=50``,
and our dashboard against Redmine's issue summary report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.docs import write_section  # noqa: E402
from bench.topology import Topology, free_port, production_env  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDMINE_ROOT = Path(os.environ.get("REDMINE_ROOT", "/usr/share/redmine"))
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- section:peer (issue 18) -->", "<!-- /section:peer -->"
PASSWORD = "demo-2021"
SNV_USER = "bench-snv-0"
PROJECT = "par-bench"
# Our derived status → a Redmine default status. Done tasks are "Resolved" (an open status in
# Redmine's defaults), so Redmine's default list (open issues) holds all 1,000 as ours does.
STATUS_MAP = {
    "not_yet_due": "New",
    "in_progress": "In Progress",
    "due_soon": "In Progress",
    "ongoing": "In Progress",
    "overdue": "Feedback",
    "done_on_time": "Resolved",
    "done_late": "Resolved",
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
AUTHENTICITY = re.compile(r'name="authenticity_token" value="([^"]+)"')
ITEMS = re.compile(r'<span class="items">\((\d+)-(\d+)/(\d+)\)</span>')

LOADER_RB = r"""
require 'json'
data = JSON.parse(File.read(ARGV[0]))
ActionMailer::Base.perform_deliveries = false
Setting.notified_events = []
Setting.default_issue_start_date_to_creation_date = '0'
admin = User.find_by_login('admin')
admin.password = admin.password_confirmation = data['password']
admin.must_change_passwd = false
admin.save!
User.current = admin
tracker = Tracker.find_by_name('Feature') || Tracker.first
project = Project.new(name: 'PAR bench', identifier: data['project'], is_public: false)
project.enabled_module_names = ['issue_tracking']
project.trackers = Tracker.all.to_a
project.save!
role = Role.find_by_name('Developer') || Role.givable.first
users, categories = {}, {}
data['agencies'].each do |code, name|
  u = User.new(firstname: name[0, 30], lastname: code, mail: "#{code}@example.vn", language: 'en')
  u.login = code
  u.password = u.password_confirmation = data['password']
  u.save!
  Member.create!(principal: u, project: project, role_ids: [role.id])
  users[code] = u
end
data['tasks'].map { |t| t['lead'] }.uniq.each do |code|
  categories[code] = IssueCategory.create!(project: project, name: data['agencies'][code][0, 60])
end
project.reload
statuses = IssueStatus.all.index_by(&:name)
priority = IssuePriority.default || IssuePriority.active.first
ids = {}
Issue.transaction do
  data['tasks'].each do |t|
    code = t['lead']
    issue = Issue.new(project: project, tracker: tracker, author: admin, priority: priority,
                      subject: t['title'], category: categories[code], assigned_to: users[code],
                      start_date: data['start_date'], due_date: t['deadline'], done_ratio: t['progress'])
    issue.status = statuses.fetch(t['status'])
    issue.save!
    ids[t['id']] = issue.id
  end
end
journals = data['updates'].map do |u|
  {journalized_type: 'Issue', journalized_id: ids.fetch(u['task']), user_id: users.fetch(u['agency']).id,
   notes: u['note'], private_notes: false, created_on: u['date'], updated_on: u['date']}
end
journals.each { |row| row.delete(:updated_on) } unless Journal.column_names.include?('updated_on')
details = []
journals.each_slice(5000).with_index do |slice, n|
  result = Journal.insert_all(slice, returning: %w[id])
  result.rows.each_with_index do |(id), i|
    u = data['updates'][n * 5000 + i]
    details << {journal_id: id, property: 'attr', prop_key: 'done_ratio', value: u['percent'].to_s}
  end
end
details.each_slice(5000) { |slice| JournalDetail.insert_all(slice) }
puts JSON.generate(project_id: project.id, issues: Issue.where(project: project).count,
                   journals: Journal.joins('JOIN issues ON issues.id = journals.journalized_id')
                                    .where(issues: {project_id: project.id}).count,
                   users: users.size, categories: categories.size)
"""


# --- databases -------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S', time.gmtime())} {message}", file=sys.stderr, flush=True)


def create_db(name: str) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_db(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def analyze(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


# --- our side --------------------------------------------------------------------------------


def our_side(db_url: str, tmp: Path) -> tuple[Topology, dict, dict]:
    """Migrate, write the province dataset, start gunicorn; returns the topology, figures and the export."""
    env = production_env(
        db_url,
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8"),
        PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        STATIC_ROOT=str(tmp / "static"),
        LOG_LEVEL="WARNING",
    )
    topo = Topology(env=env, logdir=tmp)
    topo.manage("migrate", "--noinput")
    topo.manage("collectstatic", "--noinput")
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connections
    from django.urls import reverse

    from agencies.models import Agency
    from bench.dataset import AS_OF, generate
    from parindex.models import Cycle
    from remediation.models import ProgressUpdate, Task

    log("our side: migrated; writing the province dataset")
    figures = generate("province")
    Cycle.objects.filter(pk=figures["cycle_id"]).update(reference_date=AS_OF, is_current=True)
    tasks = list(
        Task.objects.filter(cycle_id=figures["cycle_id"])
        .with_status(AS_OF)
        .order_by("id")
        .values("id", "title", "lead_agency__code", "deadline", "progress", "status")
    )
    updates = ProgressUpdate.objects.filter(task__cycle_id=figures["cycle_id"]).order_by("id")
    export = {
        "password": PASSWORD,
        "project": PROJECT,
        "start_date": "2021-05-01",
        "agencies": dict(Agency.objects.filter(code__startswith="bench-").values_list("code", "name")),
        "tasks": [
            {
                "id": t["id"],
                "title": t["title"],
                "lead": t["lead_agency__code"],
                "deadline": t["deadline"].isoformat(),
                "progress": t["progress"],
                "status": STATUS_MAP[t["status"]],
            }
            for t in tasks
        ],
        "updates": [
            {"task": task, "agency": code, "date": f"{day.isoformat()}T08:00:00", "percent": pct, "note": note}
            for task, code, day, pct, note in updates.values_list(
                "task_id", "agency__code", "reported_on", "percent", "note"
            )
        ],
    }
    paths = {
        "task_list": reverse("remediation:task-list"),
        "manage_task_list": reverse("remediation:manage-task-list"),
        "dashboard": reverse("compilation:dashboard"),
    }
    connections.close_all()
    analyze(db_url)
    topo.start_web(workers=2)
    log(f"our side: gunicorn serves {topo.base_url}")
    return topo, {**figures, "paths": paths}, export


# --- Redmine ---------------------------------------------------------------------------------


class Redmine:
    def __init__(self, db_url: str, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.env = {
            **os.environ,
            "RAILS_ENV": "production",
            "DATABASE_URL": db_url.replace("postgres://", "postgresql://", 1),
            "REDMINE_LANG": "en",
        }
        for key in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY"):
            self.env.pop(key, None)
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *argv: str, timeout: float = 900) -> str:
        done = subprocess.run(
            ["bundle", "exec", *argv], cwd=REDMINE_ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr[:2000]}")
        return done.stdout

    def load(self, export: dict) -> dict:
        started = time.perf_counter()
        log("Redmine: migrating its database")
        self.run("rake", "db:migrate")
        self.run("rake", "redmine:load_default_data")
        data, script = self.tmp / "redmine-data.json", self.tmp / "redmine-load.rb"
        data.write_text(json.dumps(export, ensure_ascii=False))
        script.write_text(LOADER_RB)
        log("Redmine: loading the project")
        out = self.run("rails", "runner", str(script), str(data))
        figures = json.loads(out.strip().splitlines()[-1])
        figures["seconds"] = round(time.perf_counter() - started, 1)
        return figures

    def start(self) -> None:
        log = (self.tmp / "redmine.log").open("w")
        argv = ["bundle", "exec", "rails", "server", "-e", "production", "-b", "127.0.0.1", "-p", str(self.port)]
        argv += ["-P", str(self.tmp / "redmine.pid")]
        self.proc = subprocess.Popen(
            argv, cwd=REDMINE_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/login", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.5)
        raise RuntimeError("Redmine did not serve: " + (self.tmp / "redmine.log").read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


# --- HTTP ------------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """A cookie session over urllib: one new connection per request, redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode(), resp.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")


def login_ours(base: str) -> Session:
    s = Session(base)
    _, page, _ = s.request("/login/")
    token = CSRF.search(page).group(1)
    code, _, location = s.request(
        "/login/", {"csrfmiddlewaretoken": token, "username": SNV_USER, "password": PASSWORD, "next": "/"}
    )
    if code != 302 or "login" in location:
        raise RuntimeError(f"our login failed: HTTP {code} → {location}")
    return s


def login_redmine(base: str) -> Session:
    s = Session(base)
    _, page, _ = s.request("/login")
    token = AUTHENTICITY.search(page).group(1)
    code, _, location = s.request(
        "/login", {"authenticity_token": token, "username": "admin", "password": PASSWORD, "back_url": base + "/"}
    )
    if code != 302 or "login" in location:
        raise RuntimeError(f"Redmine login failed: HTTP {code} → {location}")
    return s


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def measure(pages: list[tuple[str, str, Session, str]], rounds: int, reps: int) -> dict:
    """Interleaved: every round requests every page ``reps`` times in a row, the order rotated per round."""
    times: dict[str, list[float]] = {key: [] for key, *_ in pages}
    sizes: dict[str, int] = {}
    for key, _side, session, path in pages:  # warm-up: caches, lazy loads, persistent connections
        for _ in range(3):
            code, body, _ = session.request(path)
            if code != 200:
                raise RuntimeError(f"{key} {path}: HTTP {code}")
            sizes[key] = len(body.encode())
    for r in range(rounds):
        order = pages[r % len(pages) :] + pages[: r % len(pages)]
        for key, _side, session, path in order:
            for _ in range(reps):
                started = time.perf_counter()
                code, _, _ = session.request(path)
                times[key].append((time.perf_counter() - started) * 1000)
                if code != 200:
                    raise RuntimeError(f"{key} {path}: HTTP {code}")
    out = {}
    for key, side, _session, path in pages:
        values = times[key]
        out[key] = {
            "side": side,
            "path": path,
            "n": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "bytes": sizes[key],
        }
    return out


# --- the run ---------------------------------------------------------------------------------


def run(rounds: int, reps: int) -> dict:
    suffix = uuid.uuid4().hex[:6]
    ours_db, redmine_db = f"partracker_peer_{suffix}", f"redmine_peer_{suffix}"
    tmp = Path(tempfile.mkdtemp(prefix="par-peer-"))
    topo: Topology | None = None
    redmine: Redmine | None = None
    load_before = os.getloadavg()
    try:
        topo, ours, export = our_side(create_db(ours_db), tmp)
        redmine = Redmine(create_db(redmine_db), tmp)
        loaded = redmine.load(export)
        analyze(ADMIN_URL.rsplit("/", 1)[0] + "/" + redmine_db)
        redmine.start()
        mine, theirs = login_ours(topo.base_url), login_redmine(redmine.base_url)
        project = f"/projects/{PROJECT}"
        _, listing, _ = theirs.request(f"{project}/issues")
        shown = ITEMS.search(listing)
        p = ours["paths"]
        pages = [
            ("ours_task_list", "ours", mine, p["task_list"]),
            ("redmine_issues", "redmine", theirs, f"{project}/issues"),
            ("ours_manage_task_list", "ours", mine, p["manage_task_list"]),
            ("redmine_issues_50", "redmine", theirs, f"{project}/issues?per_page=50"),
            ("ours_dashboard", "ours", mine, p["dashboard"]),
            ("redmine_issue_report", "redmine", theirs, f"{project}/issues/report"),
        ]
        log(f"Redmine serves {redmine.base_url}; both logged in; measuring")
        figures = measure(pages, rounds, reps)
        pairs = [
            ("task list (25 a page) / issue list (25 a page)", "ours_task_list", "redmine_issues"),
            ("manage task list (50) / issue list per_page=50", "ours_manage_task_list", "redmine_issues_50"),
            ("dashboard / issue summary report", "ours_dashboard", "redmine_issue_report"),
        ]
        ratios = [
            {
                "pair": label,
                "ours": a,
                "redmine": b,
                "p50_ratio": round(figures[a]["p50_ms"] / figures[b]["p50_ms"], 2),
                "p95_ratio": round(figures[a]["p95_ms"] / figures[b]["p95_ms"], 2),
            }
            for label, a, b in pairs
        ]
        return {
            "date": dt.date.today().isoformat(),
            "rounds": rounds,
            "reps": reps,
            "ours": {k: ours[k] for k in ("tasks", "agencies", "updates", "seconds")},
            "redmine": {**loaded, "listed_total": int(shown.group(3)) if shown else None},
            "redmine_version": redmine_version(),
            "pages": figures,
            "ratios": ratios,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        if redmine is not None:
            redmine.stop()
        if topo is not None:
            topo.stop()
        for name in (redmine_db, ours_db):
            drop_db(name)
        shutil.rmtree(tmp, ignore_errors=True)


def redmine_version() -> str:
    found = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "redmine"], capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


SETUP = """Set the peer up once (Debian 12, as root; PostgreSQL already on 127.0.0.1:5432 with trust for
`postgres`). The package's own database is not used: `bench/peer.py` gives Redmine a scratch
database on the same server through `DATABASE_URL`, which Rails puts over
`/etc/redmine/default/database.yml`, and drops it afterwards.

```sh
apt-get update
# No database set up by dbconfig-common. The database.yml the package writes names the postgresql
# adapter, which is what makes the packaged Gemfile load the pg gem.
debconf-set-selections <<'EOF'
redmine redmine/instances/default/dbconfig-install boolean false
redmine redmine/instances/default/database-type select pgsql
EOF
DEBIAN_FRONTEND=noninteractive apt-get install -y redmine redmine-pgsql puma
# The packaged Gemfile has no web server (WEBrick left Ruby's standard library, and `rails server`
# answers 'Could not find server ""'); Debian's puma is taken in through Gemfile.local:
echo "gem 'puma'" > /usr/share/redmine/Gemfile.local
```

What the script then does with it, by hand (for a look at Redmine alone):

```sh
cd /usr/share/redmine
export RAILS_ENV=production DATABASE_URL=postgresql://postgres@127.0.0.1:5432/redmine_try
psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE redmine_try'
bundle exec rake db:migrate                                # 13.4 s, measured at a load average of 0.8
REDMINE_LANG=en bundle exec rake redmine:load_default_data # trackers, statuses, roles
bundle exec rails server -e production -b 127.0.0.1 -p 3000 -P /tmp/redmine.pid   # puma 5.6.5
```"""


def docs_section(result: dict, command: str) -> str:
    rows = []
    for r in result["ratios"]:
        a, b = result["pages"][r["ours"]], result["pages"][r["redmine"]]
        rows.append(
            f"| {r['pair']} | `{a['path']}` | {a['p50_ms']} | {a['p95_ms']} | `{b['path']}` | {b['p50_ms']} | "
            f"{b['p95_ms']} | **{r['p50_ratio']}** | {r['p95_ratio']} |"
        )
    red, ours = result["redmine"], result["ours"]
    before, after = result["load_average_before"], result["load_average_after"]
    busy = max(before[0], after[0]) > 1.0
    load_note = (
        "above 1 on these 2 cores: other work shared the machine; the interleaving spreads it over both\nsides"
        if busy
        else "at most 1: the machine was otherwise quiet"
    )
    journals = f"{red['journals']:,} journals (one per progress update: its note and a % done detail)"
    return f"""{START}
## Side by side with Redmine 5 (issue 18)

```sh
{command}
```

Measured {result["date"]}; the 1-minute load average was {before[0]} before and {after[0]} after the
run ({load_note}).

- **Ours**: gunicorn (2 gthread workers × 2 threads, production settings) on
  `bench.dataset.generate("province")`: {ours["agencies"]} agencies, {ours["tasks"]:,} tasks,
  {ours["updates"]:,} progress updates, statuses as of 08/11/2021; logged in as the SNV reviewer
  `{SNV_USER}`.
- **Redmine** {result["redmine_version"]} (Debian's package: Rails 6.1, puma 5.6 in production
  mode, single mode, up to 5 threads, its default info log): one project with {red["issues"]:,}
  issues. Subject = task title; category and assignee = the lead agency ({red["users"]} users, one
  member per agency, {red["categories"]} categories); due date = deadline; % done = progress;
  status from the task's derived status (not yet due → New; in progress, due soon → In Progress;
  overdue → Feedback; done → Resolved, an open status, so the default list of open issues holds all
  of them: {red["listed_total"]:,} listed); {journals}. Loaded in {red["seconds"]} s (migration,
  default data, `rails runner`). Logged in as its administrator, for whom Redmine skips the
  roles' permission checks.
- **Both** on the same PostgreSQL 15 server, analyzed before the run, and on the same 2-core machine
  as the client; logged in through their login forms (CSRF or authenticity token, session cookie).
  Every figure is a whole HTTP request with its body read, one new loopback connection per request
  on both sides, one request at a time. {result["rounds"]} rounds; in each, every page is requested
  {result["reps"]} times in a row, the pages' order rotated round by round, after 3 warm-up
  requests each.

| pair | ours | p50 ms | p95 ms | Redmine | p50 ms | p95 ms | ours / Redmine p50 | p95 |
|---|---|---:|---:|---|---:|---:|---:|---:|
{chr(10).join(rows)}

A ratio below 1 means our page answered faster. The pages do not do the same work: our task list
derives every task's status as of the cycle's date and counts them per status, our dashboard
computes the score tree, the areas and the agencies; Redmine's summary report counts issues per
tracker, version, priority, category, assignee, author and subproject, by status. The comparison is of what
each application's user gets on its main list and its summary page for the same data. Under a
load above 1 both sides' figures are inflated; compare the same pages through Django's test client
in the section "Pages beside their own SQL".

{SETUP}
{END}"""


def write_docs(result: dict, command: str) -> None:
    write_section(DOCS, START, END, docs_section(result, command))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reps", type=int, default=8)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if args.rounds < 5 or args.reps < 2:
        parser.error("at least 5 rounds of 2 requests")
    result = run(args.rounds, args.reps)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.write_docs:
        command = f"python bench/peer.py --rounds {args.rounds} --reps {args.reps} --write-docs"
        write_docs(result, command)


if __name__ == "__main__":
    main()
