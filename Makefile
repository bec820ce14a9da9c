# Every target does its own set-up: a fresh clone needs only Python ≥ 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NATIVE := $(VENV)/.native
SOURCES := aws_cloudtrail aws_bedrock_invocation llm_usage azure_openai gcp_auditlog openai_audit anthropic_activity syscall falco_alert

.PHONY: demo test lint format bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The compiled reader of invocation logs (native/): built when a Rust toolchain is there, else skipped (and tried
# again next time).
$(NATIVE): $(STAMP) native/Cargo.toml native/Cargo.lock $(wildcard native/src/*.rs)
	sh native/install.sh $(BIN)/python
	$(BIN)/python -c 'import jackwatch_native' 2>/dev/null && touch $(NATIVE) || true

demo: $(NATIVE)
	$(BIN)/jackwatch demo

test: $(NATIVE)
	$(BIN)/pytest -n auto -q

lint: $(STAMP)
	$(BIN)/ruff format --check src tests tools benchmarks examples
	$(BIN)/ruff check src tests tools benchmarks examples
	$(BIN)/mypy
	PATH="$$PATH:$$HOME/.cargo/bin"; if command -v cargo >/dev/null; then cargo fmt --manifest-path native/Cargo.toml --check; fi

format: $(STAMP)
	$(BIN)/ruff format src tests tools benchmarks examples
	$(BIN)/ruff check --fix src tests tools benchmarks examples

docs: $(STAMP)
	for source in $(SOURCES); do \
		$(BIN)/jackwatch rules docs --source $$source --output docs/rules/$$source.md && \
		$(BIN)/jackwatch rules fields $$source --output docs/fields/$$source.md || exit 1; \
	done

bench: $(NATIVE)
	$(BIN)/python benchmarks/detect_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache native/target
