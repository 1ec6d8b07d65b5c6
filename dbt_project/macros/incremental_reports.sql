{#
  Incremental marts are rebuilt per report: on an incremental run only the reports (re)staged since
  the mart's last build are selected, and `delete+insert` on report_id replaces all their rows, so a
  re-extracted report never leaves stale rows behind and the cost of a night follows the new work.
#}
{% macro incremental_report_config() -%}
    {{ config(materialized='incremental', unique_key='report_id', incremental_strategy='delete+insert',
              on_schema_change='append_new_columns') }}
{%- endmacro %}

{% macro new_reports_only(report_id_column='report_id') -%}
    {#- ref outside the branch, so dbt sees the dependency when it parses -#}
    {%- set reports = ref('int_reports') -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
            if is_incremental() else [] -%}
    {#- a mart built before report_staged_at existed reloads every report once (and gains the column) -#}
    {%- if is_incremental() and 'report_staged_at' in built_columns %}
    -- = any(array(…)) lets PostgreSQL use the report_id index instead of scanning the history
    {{ report_id_column }} = any(array(
        select report_id from {{ reports }}
        where staged_at > (select coalesce(max(built.report_staged_at), '-infinity'::timestamptz) from {{ this }} as built)
    ))
    {%- else %}
    true
    {%- endif %}
{%- endmacro %}
