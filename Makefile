.PHONY: run test lint worker bench standins

run:  ## set up and serve on embedded defaults
	bash scripts/serve.sh

test:  ## set up and run lint + the whole test suite
	bash scripts/test.sh

lint:
	.venv/bin/ruff check .

worker:  ## a Celery worker serving both queues
	.venv/bin/celery -A isamurai_server worker -Q gpu,fast,webhooks -B --concurrency 1 --loglevel INFO

bench:  ## every bench in bench/ (or BENCH="video_io interpolation"); ratios against a baseline in the same run
	.venv/bin/python -m bench $(BENCH)
