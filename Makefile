# The commands of the README. `demo` and `test` do all their own set-up on a fresh Debian machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# make install (packaging/install.sh says what each means):
DESTDIR       ?=
SYSTEM_PYTHON ?= /usr/bin/python3
CREATE_USER   ?= yes

.PHONY: demo test bench venv test-deps clean install

$(BIN)/mailbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/mailbot

## make demo: sample complaints through the whole pipeline; local Maildir, SQLite, no server.
demo: venv
	$(BIN)/mailbot demo --dir demo-output

## make test: the whole suite against a private Dovecot, a real SMTP server, SQLite and PostgreSQL.
test: venv test-deps
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## make bench: a 2,000-message backlog through fetch, parse and `mailbot run --once`, and the IDLE latency
## (as root: the test Dovecot). BENCH_ARGS="--storage postgres", "--sizes 500,2000,10000", "--json":
## see benchmarks/README.md.
bench: venv test-deps
	$(BIN)/python benchmarks/backlog.py $(BENCH_ARGS)

# Dovecot for the IMAP tests (Debian's dovecot-imapd; its own service is never started), faketime and systemd-analyze.
test-deps:
	@sh packaging/test-package.sh dovecot-imapd "the IMAP tests" 'command -v dovecot || test -x /usr/sbin/dovecot'
	@# libfaketime runs the test Dovecot's clock ahead, so that it keeps the corpus's future INTERNALDATEs.
	@sh packaging/test-package.sh faketime "tests delivering future-dated mail" \
	  'ls /usr/lib/*/faketime/libfaketime.so.1 || ls /usr/lib/faketime/libfaketime.so.1'
	@# systemd-analyze checks the unit file (tests/e2e/test_daemon_unit.py); Debian has it in the systemd package.
	@sh packaging/test-package.sh systemd "the unit file tests" 'command -v systemd-analyze'
	@if [ -z "$$MAILBOT_TEST_POSTGRES_URL" ] && [ "$$CI" != "true" ]; then \
	  echo "PostgreSQL tests will be skipped: set MAILBOT_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run them"; \
	fi

## make install: as root on Debian 12, the service: /opt/mailbot, the user, /etc/mailbot, the systemd unit.
## Again to upgrade (your config is kept); then `systemctl restart mailbot`. DESTDIR=/tmp/x to try the layout.
install:
	DESTDIR="$(DESTDIR)" SYSTEM_PYTHON="$(SYSTEM_PYTHON)" CREATE_USER="$(CREATE_USER)" sh packaging/install.sh

clean:
	rm -rf $(VENV) demo-output .pytest_cache
