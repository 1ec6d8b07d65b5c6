{#
  `dbt seed` refills a seed's table (truncate, insert) and fails when the CSV has a column the table
  lacks: a warehouse seeded before measures.csv gained `mart`, `mart_column`, `mart_kind` would then
  need `--full-refresh`, which drops the table and the views built on it (int_figures). Instead the
  missing columns are added, typed as a new table would type them, and the refill goes on as dbt
  does it. A column dropped from the CSV stays in the table, empty (the insert names its columns).
#}
{% macro postgres__reset_csv_table(model, full_refresh, old_relation, agate_table) -%}
    {%- if not full_refresh -%}
        {%- set column_types = model['config'].get('column_types', {}) -%}
        {%- set quote_columns = model['config'].get('quote_columns', None) -%}
        {%- set existing = adapter.get_columns_in_relation(old_relation) | map(attribute='name') | list -%}
        {%- for column in agate_table.column_names if column not in existing -%}
            {%- set type = column_types.get(column, adapter.convert_type(agate_table, agate_table.column_names.index(column))) -%}
            {%- call statement('seed_add_column_' ~ loop.index) -%}
                alter table {{ old_relation.render() }} add column {{ adapter.quote_seed_column(column, quote_columns) }} {{ type }}
            {%- endcall -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(dbt.default__reset_csv_table(model, full_refresh, old_relation, agate_table)) }}
{%- endmacro %}
