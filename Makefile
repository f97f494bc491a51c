# Two commands do all the set-up: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The tests talk to the real PostgreSQL and Redis of this machine by default.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/partracker
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run demo test test-sqlite lint check messages clean

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
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest $(PYTEST_ARGS)

# The same suite on the embedded SQLite database.
test-sqlite: install
	DATABASE_URL=sqlite:///var/test.sqlite3 REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest $(PYTEST_ARGS)

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
