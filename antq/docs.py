"""`antq docs` (`make docs`): the two documentation sites, built again and readable offline.

- the Great Expectations Data Docs, rebuilt from the stored validation results, with their browser
  libraries from docs_assets/ (expectations.data_docs);
- the dbt docs, `dbt docs generate --static`: static_index.html carries the manifest and catalog
  inside it, so it opens as a file (index.html needs `antq dbt docs serve`: it fetches them).
"""

from __future__ import annotations

from antq import config


def build() -> int:
    import expectations
    from antq import runner

    stack = runner.Stack()  # the embedded warehouse (for dbt's catalog), or WAREHOUSE_URL
    index, offline = expectations.rebuild_data_docs(config.gx_context_dir())
    runner._run(
        [config.dbt_executable(), "docs", "generate", "--static", "--project-dir", str(config.DBT_PROJECT_DIR)],
        stack.env(),
        "dbt docs generate",
    )
    print()
    if index:
        print(
            f"data docs        {config.shown(index)}"
            + ("" if offline == "yes" else f"\n                 not offline: {offline}")
        )
    print(f"dbt docs         {config.shown(config.dbt_static_docs())}   (one file, opens offline)")
    print(f"                 served: {config.antq_command()} dbt docs serve --port 8080   (then http://localhost:8080)")
    return 0
