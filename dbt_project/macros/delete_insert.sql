{#
  The incremental marts' `delete+insert` (incremental_reports.sql; fct_measure_statements by
  statement group), by key instead of over the whole table.

  dbt's own deletes `where key in (select distinct key from <the increment>)`: the increment is a
  fresh temporary table without statistics, so PostgreSQL plans that blind and may hash-join it
  against every row of a mart of millions. Here the increment's keys that the mart already holds
  are looked up first, one index probe each (every incremental mart has an index on its unique_key):
    - none (a night of new reports, no report re-staged): the increment is only appended, no delete;
    - a few (up to var report_id_literals_max): they are deleted as literals, which PostgreSQL
      plans as index lookups;
    - more (a backfill that re-stages everything): dbt's own delete, a hash join, as before.
  The rows are the same as with dbt's delete+insert in every case.
#}
{% macro postgres__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {%- set max_literals = var('report_id_literals_max') -%}
    {%- if not execute or unique_key is not string or incremental_predicates or max_literals == 0 -%}
        {{ return(dbt.default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
    {%- endif -%}
    {%- set found = run_query(
        "select count(*)::int as n, coalesce(string_agg(quote_literal(held.key), ', '), '') as keys from ("
        ~ " select distinct increment." ~ unique_key ~ " as key from " ~ source ~ " as increment"
        ~ " where exists (select from " ~ target ~ " as mart where mart." ~ unique_key ~ " = increment." ~ unique_key ~ ")"
        ~ " limit " ~ (max_literals + 1) ~ ") as held") -%}
    {%- set held = found.rows[0] -%}
    {%- if held['n'] > max_literals -%}
        {{ return(dbt.default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
    {%- endif -%}
    {%- set dest_cols_csv = get_quoted_csv(dest_columns | map(attribute="name")) -%}
    {%- if held['n'] > 0 %}
    delete from {{ target }} where {{ unique_key }} in ({{ held['keys'] }});
    {%- endif %}
    insert into {{ target }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ source }}
    )
{%- endmacro %}
