{#
  Incremental marts are rebuilt per report: on an incremental run only the reports (re)staged since
  the mart's last build are selected, and `delete+insert` on report_id replaces all their rows, so a
  re-extracted report never leaves stale rows behind and the cost of a night follows the new work.

  `grain` is the column that identifies a row (figure_id, award_key, ...): it gets a unique index, so
  the database keeps it unique across the whole history while the night's tests look only at the
  night's reports (see validation_scope.sql). report_id and report_staged_at are indexed too: the
  delete of a re-staged report's rows and the "what is new" lookup below then read a few index pages
  instead of the history.

  A re-staged report may no longer make some of its rows (a measure it no longer states): the
  increment has nothing to replace them with, so drop_rows_no_longer_made deletes them after it.

  The marts are built in marts_build, which is published by swapping it with `marts` (see
  publish.sql): a build starts from the copy BI read before, one or more nights behind. Every rule
  here therefore works from what this relation itself holds (its newest report_staged_at), never
  from what the previous night did, so a copy some nights behind ends as a fresh build would.
#}
{#- indexes: more indexes, [{'columns': [...], 'include': [...]}] -#}
{% macro incremental_report_config(grain=none, indexes=[]) -%}
    {#- the hook is rendered when the model runs (`this` is then the built table) -#}
    {{ config(materialized='incremental', unique_key='report_id', incremental_strategy='delete+insert',
              on_schema_change='append_new_columns',
              post_hook=["{{ report_mart_indexes(" ~ ((grain | tojson) if grain else 'none') ~ ", " ~ (indexes | tojson) ~ ") }}",
                         "{{ drop_rows_no_longer_made() }}",
                         "{{ analyze_after_a_large_build() }}"]) }}
{%- endmacro %}

{#- `create index if not exists`: a mart built before these indexes existed gets them on its next run -#}
{% macro report_mart_indexes(grain, indexes) -%}
    {%- if grain %}
    create unique index if not exists {{ this.identifier }}__{{ grain }} on {{ this }} ({{ grain }});
    {%- endif %}
    {%- if grain != 'report_id' %}
    create index if not exists {{ this.identifier }}__report_id on {{ this }} (report_id);
    {%- endif %}
    create index if not exists {{ this.identifier }}__report_staged_at on {{ this }} (report_staged_at);
    {%- for index in indexes %}
    create index if not exists {{ this.identifier }}__{{ index.columns | join('__') }}
        on {{ this }} ({{ index.columns | join(', ') }})
        {%- if index.include %} include ({{ index.include | join(', ') }}){% endif %};
    {%- endfor %}
{%- endmacro %}

{% macro new_reports_only(report_id_column='report_id') -%}
    {#- ref outside the branch, so dbt sees the dependency when it parses. stg_reports, not
        int_reports: its window over provinces would keep the staged_at filter from reaching the
        index on staging.reports (staged_at) -#}
    {%- set reports = ref('stg_reports') -%}
    {#- a mart built before report_staged_at existed reloads every report once (and gains the column) -#}
    {%- if is_incremental() and 'report_staged_at' in built_columns() %}
    {{ report_id_column }} in ({{ report_id_list(
        "select report_id from " ~ reports ~ " where staged_at > (select coalesce(max(built.report_staged_at),"
        ~ " '-infinity'::timestamptz) from " ~ this ~ " as built)") }})
    {%- else %}
    true
    {%- endif %}
{%- endmacro %}

{#- An incremental model's pre-hook (dbt_project.yml): the newest report_staged_at it holds before
    this build, kept for the model's own transaction, where its post-hooks read it back
    (restaged_since_previous_build). Once the increment is in, the relation no longer knows it. -#}
{% macro remember_previous_build() -%}
    {%- if is_incremental()
          and 'report_staged_at' in (adapter.get_columns_in_relation(this) | map(attribute='name') | list) -%}
    select set_config('antq.previous_build_staged_through',
                      coalesce((select max(report_staged_at) from {{ this }})::text, '-infinity'), true)
    {%- endif -%}
{%- endmacro %}

{#- The reports (re-)staged since this relation's previous build: the reports of this increment,
    however many nights that build is behind. Unknown (no pre-hook ran): every report. -#}
{% macro restaged_since_previous_build() -%}
    select report_id from {{ ref('stg_reports') }}
    where staged_at > coalesce(nullif(current_setting('antq.previous_build_staged_through', true), '')::timestamptz,
                               '-infinity'::timestamptz)
{%- endmacro %}

{#- After an increment: rows of a report re-staged since the previous build that the increment did
    not replace (their report_staged_at is older than the report's) are rows the report no longer
    makes, and go. Per-report marts: a report that no longer states any tips keeps no fct_tips row.
    fct_measure_statements: a group the report no longer states, and nothing else states, is not
    recomputed by the night, its rows go here. -#}
{% macro drop_rows_no_longer_made() -%}
    {#- ref outside the branch, so dbt sees the dependency when it parses -#}
    {%- set reports = ref('stg_reports') -%}
    {%- if is_incremental() -%}
    {#- the ids on both sides: a night's few are literals, which PostgreSQL looks up in the mart's
        report_id index whatever its statistics say (a join through stg_reports alone was planned as
        a scan of the whole mart) -#}
    {%- set restaged = report_id_list(restaged_since_previous_build()) -%}
    delete from {{ this }} as built
    using {{ reports }} as report
    where report.report_id = built.report_id
      and built.report_staged_at < report.staged_at
      and report.report_id in ({{ restaged }})
      and built.report_id in ({{ restaged }})
    {%- endif -%}
{%- endmacro %}

{#- A post-hook of every incremental model: fresh statistics after a build that wrote many
    reports (a first build, a backfill, a copy of the marts catching up; more than var
    report_id_literals_max reports). Until autovacuum gets to a table, PostgreSQL plans its queries
    with what it knew before: a mart that was empty then is "empty" to the planner, and the next
    night's lookups of a few reports (dbt's tests, GX's batches) become scans of all of it. A night
    of a few reports changes the statistics too little to matter and does not analyze. -#}
{% macro analyze_after_a_large_build() -%}
    {%- set max_literals = var('report_id_literals_max') -%}
    {%- if not execute -%}
    select 1
    {%- elif not is_incremental() -%}
    analyze {{ this }}
    {%- else -%}
        {%- set found = run_query("select count(*)::int as n from (" ~ restaged_since_previous_build()
                                  ~ " limit " ~ (max_literals + 1) ~ ") as reports") -%}
        {%- if found.rows[0]['n'] > max_literals %}
    analyze {{ this }}
        {%- else %}
    select 1
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- fct_period_ranges' post-hook: a period no figure states any more -#}
{% macro drop_periods_without_figures() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where figure_count = 0
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- fct_measure_statements' post-hook (the model names it) -#}
{% macro drop_statements_no_longer_made() -%}
    {%- if is_incremental() -%}
    {{ drop_rows_no_longer_made() }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
