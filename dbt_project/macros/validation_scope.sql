{#
  What a night's tests look at: the reports not validated yet.

  Rows of a report are tested when the report arrives (or is re-staged) and incremental builds never
  touch them again, while unique indexes hold each mart's grain across the whole history (see
  incremental_reports.sql). So a test of a relation that has a report_id checks only the reports
  staged since the last validated run (dq.validated_reports, written by the GX step), and a night
  costs what the night brings, not what the history holds. Until a first validation every report
  is "not validated yet", so a new warehouse, or a backfill that re-stages everything, is tested
  in full.

  Generic tests get this through `+where: __unvalidated_reports__` (dbt_project.yml), which
  get_where_subquery below resolves per relation; singular tests call unvalidated_reports_only().
  Test the whole history:  dbt build --vars '{test_scope: all}'   (antq dbt build --vars ...)
#}

{% macro unvalidated_report_ids() -%}
    {#- the same rule as expectations/dq.py (_UNVALIDATED_REPORTS), which GX applies when a run
        starts. staging.reports and dq.validated_reports by name: tests compile at run time, where
        a source() not declared by the test itself would be refused -#}
    select report_id from staging.reports
    where staged_at > (select coalesce(max(staged_at), '-infinity'::timestamptz) from dq.validated_reports
                       where validated_at is not null)
{%- endmacro %}

{% macro unvalidated_reports_only(report_id_column='report_id') -%}
    {%- if var('test_scope') == 'all' -%}
        true
    {%- else -%}
        {{ report_id_column }} in ({{ report_id_list(unvalidated_report_ids()) }})
    {%- endif -%}
{%- endmacro %}

{#- The report ids a query returns, as SQL for `report_id in (...)`. A night's few ids are written
    out as literals, so PostgreSQL plans index lookups for exactly them; over `max_literals` (a
    backfill, a first build) the query itself goes in, and gets a hash join. A subquery alone would
    be planned blind (its filter's selectivity is a guess), `= any(array(subquery))` searches the
    array once per row: quadratic on a big backfill. With max_literals 0 the query always goes in
    (a unit test's inputs exist only inside the model's own query). -#}
{% macro report_id_list(query, max_literals=var('report_id_literals_max')) -%}
    {%- if not execute or max_literals == 0 -%}
        {{ query }}
    {%- else -%}
        {%- set found = run_query(
            "select count(*)::int as n, coalesce(string_agg(quote_literal(report_id), ', '), 'null') as ids"
            ~ " from (" ~ query ~ " limit " ~ (max_literals + 1) ~ ") as ids") -%}
        {%- if found.rows[0]['n'] > max_literals -%}
            {{ query }}
        {%- else -%}
            {{ found.rows[0]['ids'] }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- dbt's own get_where_subquery, plus the __unvalidated_reports__ placeholder: the report filter on
    relations with a report_id column, `true` on the others (dimensions, seeds) -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__unvalidated_reports__' in where -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list
                if execute else [] -%}
        {%- set scope = unvalidated_reports_only() if 'report_id' in columns else 'true' -%}
        {%- set where = where | replace('__unvalidated_reports__', scope) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
