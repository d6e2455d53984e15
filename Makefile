.PHONY: run test lint format bench
run:  ## set up and serve the demo on http://127.0.0.1:8000 (PostgreSQL: local or embedded)
	scripts/run
test:  ## install and run the whole suite on PostgreSQL
	scripts/test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
bench:  ## dashboard timings on a large generated school (PostgreSQL)
	scripts/bench
