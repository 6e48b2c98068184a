# Entry points: `make run` (the main job), `make up` (services for curl), `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.lock.sha256
LOCK := requirements/lock.txt

.PHONY: venv test lint buildifier lock run up bench clean secrets argo-install bazel-offline cluster-up cluster-down

# Reinstall only when the lock's content changes (a checkout that only touches its mtime costs a
# hash); uv when available, the standard venv and pip otherwise.
venv: $(STAMP)
$(STAMP): $(LOCK)
	@if [ -x $(PY) ] && sha256sum --check --status $(STAMP) 2>/dev/null; then touch $(STAMP); exit 0; fi; \
	if [ ! -x $(PY) ]; then \
		if command -v uv >/dev/null 2>&1; then uv venv --quiet --python $(PYTHON) $(VENV); \
		else $(PYTHON) -m venv $(VENV) || { echo "make: cannot create $(VENV):" \
			"install python3-venv (apt-get install python3-venv) or uv (pip install uv)" >&2; \
			exit 1; }; fi; \
	fi; \
	if command -v uv >/dev/null 2>&1; then \
		uv pip sync --quiet --python $(PY) --require-hashes $(LOCK); \
	else \
		$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK); \
	fi && sha256sum $(LOCK) > $(STAMP)

lock:
	uv pip compile requirements/runtime.in requirements/test.in --generate-hashes \
		--python-version 3.11 --quiet -o $(LOCK)

test: venv buildifier lint
	$(PY) -m pytest

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

buildifier: venv
	@$(PY) tools/check/buildifier.py

run: venv
	$(PY) -m tools.stack

# MODEL_SHARDS=N: N model processes on 8000, 8010, ... (tools/stack/shards.py writes the Procfile).
up: venv
	@if [ "$${MODEL_SHARDS:-1}" = 1 ]; then exec $(VENV)/bin/honcho -f Procfile start; fi; \
	$(PY) -m tools.stack.shards > $(VENV)/Procfile.shards && \
	exec $(VENV)/bin/honcho -d . -f $(VENV)/Procfile.shards start

bench: venv
	$(PY) -m tools.bench
	$(PY) -m tools.bench.journal

# The Secrets the manifests name, applied to the current kubectl context; their random values
# are drawn once into git-ignored .credentials/*.env (see README: Cluster).
secrets: venv
	$(PY) -m tools.cluster.credentials

# Argo Workflows from its pinned release (infra/argo), before the overlays' CronWorkflows.
argo-install:
	kubectl apply --server-side -k infra/argo

# The k3d cluster with its registry (infra/k3d/cluster.yaml); then `tilt up` deploys everything.
cluster-up:
	k3d cluster create --config infra/k3d/cluster.yaml

cluster-down:
	k3d cluster delete online-learning

# Bazel 4.2.3 (Debian) over a copy of the tree: bazel build //... and the unit-test targets.
# BAZEL_OFFLINE_ARGS=--all tests every target.
bazel-offline: venv
	$(PY) -m tools.bazel.offline $(BAZEL_OFFLINE_ARGS)

clean:
	rm -rf $(VENV) out .state .pytest_cache
