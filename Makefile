# Two commands for a newcomer on a fresh Debian machine:
#   make run    - install, migrate the SQLite database, load the demo, serve on http://127.0.0.1:5000
#   make test   - install what the tests need, start PostgreSQL and Redis, run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEBS_RUN := fonts-dejavu-core fonts-noto-core poppler-utils
DEBS_TEST := $(DEBS_RUN) postgresql redis-server chromium chromium-driver prometheus
PYTEST_ARGS ?=
# The demo's control room: with no SMS gateway configured, alert SMS to this number land as
# JSON files in INSTANCE_DIR/sms-outbox, so a demo alert reaches someone. Override or set
# CONTROL_ROOM_WEBHOOK_URL for a real target.
CONTROL_ROOM_SMS ?= +923000000000

.PHONY: run test venv lint demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# compat mode puts the checkout itself on sys.path, so every top-level package (echallan,
# rules, ocr, vision, notices, integrations) imports from the working tree.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e . --config-settings editable_mode=compat
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]' --config-settings editable_mode=compat
	touch $@ $(VENV)/.installed-run

venv: $(VENV)/.installed-run

run: $(VENV)/.installed-run
	scripts/install-debs.sh $(DEBS_RUN)
	$(BIN)/echallan db upgrade
	$(BIN)/echallan demo
	@echo "Serving on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	@echo "Staff console: http://$(HOST):$(PORT)/staff  (demo sign-ins officer, supervisor, admin; password echallan-demo)"
	@echo "Control-room alerts: SMS to $(CONTROL_ROOM_SMS), written to instance/sms-outbox/"
	CONTROL_ROOM_SMS='$(CONTROL_ROOM_SMS)' $(BIN)/echallan run --host $(HOST) --port $(PORT) --with-threads

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# axe-core (accessibility checks injected by the browser tests), pinned in its lock file
E2E_NODE := tests/e2e/node_modules/.package-lock.json
$(E2E_NODE): tests/e2e/package-lock.json
	command -v npm >/dev/null || scripts/install-debs.sh npm
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	touch $@

test: $(VENV)/.installed-test $(E2E_NODE)
	scripts/install-debs.sh $(DEBS_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	scripts/test-services.sh $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf instance .pytest_cache
