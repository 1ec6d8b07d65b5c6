"""The ingestion: new report files in the landing folder -> raw -> extracted figures -> staging.

    plan.py      what a run takes and (re-)extracts: nightly vs re-processing (backfill) runs,
                 reextract modes auto/outdated/all/none
    night.py     the one ingestion function, run(url, reports_dir, plan, run_id), and its steps
                 discover -> load_raw -> extract (the DAG's tasks call the same steps)
    landing.py   the landing folder: survey (links, settling, sizes, names), the dated-folder rule
    ledger.py    raw.file_ledger: each (path, content) seen, and what became of it
    raw.py       raw.report_files (load_raw), raw.rejected_files and the quarantine folder
    staging.py   extracted reports -> staging.reports/.figures/.sentences (rows, COPY, one transaction)
    progress.py  progress bars on a terminal

Each step is idempotent: a file is identified by its content (sha256) and recorded in the ledger
under its path, so a rerun, a renamed copy or a retried task adds nothing twice. Bad input never
stops a batch: what cannot become a report ends in raw.rejected_files with a reason an operator can
act on, its bytes kept. Every log line names the step and the file.
"""
