# Two commands do all the set-up: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The tests talk to the real PostgreSQL and Redis of this machine by default.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/partracker
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run demo test test-sqlite lint check messages clean system-deps

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

run: demo
	@echo ""
	@echo "PAR Tracker: http://$(HOST):$(PORT)/   (all demo passwords: demo-2021)"
	@echo "  admin         administrator"
	@echo "  snv           SNV reviewer (Department of Home Affairs)"
	@echo "  vp            Chairman's office"
	@echo "  quynhon       staff of Thành phố Quy Nhơn"
	@echo "  quynhon.lead  leader of Thành phố Quy Nhơn"
	@echo "  stp           staff of Sở Tư pháp (focal agency of area 2)"
	@echo "  (every agency has a staff login named by its code, e.g. annhon, stc, syt)"
	@echo ""
	CLOCK_PIN=$${CLOCK_PIN:-cycle} $(PY) manage.py runserver $(HOST):$(PORT)

# System packages the tests need: Chromium for Playwright, fonts and poppler for PDFs.
# Installed only when missing; needs root (or sudo) on a fresh Debian machine.
SYSTEM_PACKAGES := chromium fonts-liberation2 fonts-dejavu-core poppler-utils libreoffice-calc libreoffice-writer
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages: $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

test: install system-deps
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest $(PYTEST_ARGS)

# The suite on the embedded SQLite database, less the tests of the real topology and the
# browser ("topology", "e2e"): those need PostgreSQL and ran in `make test`.
test-sqlite: install system-deps
	DATABASE_URL=sqlite:///var/test.sqlite3 REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest -m "not topology and not e2e" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

messages: install
	$(PY) manage.py makemessages -l vi --no-location --no-obsolete -i ".venv/*" -i "var/*"
	$(PY) manage.py compilemessages -l vi -i .venv -i var

clean:
	rm -rf $(VENV) var/db.sqlite3 var/test.sqlite3 var/staticfiles
