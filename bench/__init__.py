"""Tools for measuring the product, kept out of its wheel (pyproject.toml packages only antq,
extractors and expectations):

    speed.py     the bench: extraction, load, end to end, incremental night, Airflow overhead
                 (`make bench`, `python -m bench`; figures in bench/results.json, see README.md here)
    step.py      its measured steps, each in a child process (`python -m bench.step ingest|validate`)
    generate.py  the generated corpus, for scale only (`python -m bench.generate --n N --out DIR`)
"""
