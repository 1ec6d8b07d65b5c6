"""What sqlfluff's jinja templater lacks of dbt to render the dbt project without a database (`make lint`).

Its dbt builtins (ref, source, config, var, this, is_incremental() -> True) cover the models; the macros
also ask the adapter for a built mart's columns, which only a live connection knows: none here, so the
macros render their first-build branch.
"""


class _Adapter:
    def get_columns_in_relation(self, relation):
        return []


adapter = _Adapter()
