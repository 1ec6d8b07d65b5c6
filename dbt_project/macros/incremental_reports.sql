{#
  Incremental marts are rebuilt per report: on an incremental run only the reports (re)staged since
  the mart's last build are selected, and `delete+insert` on report_id replaces all their rows, so a
  re-extracted report never leaves stale rows behind and the cost of a night follows the new work.

  `grain` is the column that identifies a row (figure_id, award_key, ...): it gets a unique index, so
  the database keeps it unique across the whole history while the night's tests look only at the
  night's reports (see validation_scope.sql). report_id and report_staged_at are indexed too: the
  delete of a re-staged report's rows and the "what is new" lookup below then read a few index pages
  instead of the history.
#}
{#- indexes: more indexes, [{'columns': [...], 'include': [...]}] -#}
{% macro incremental_report_config(grain=none, indexes=[]) -%}
    {#- the hook is rendered when the model runs (`this` is then the built table) -#}
    {{ config(materialized='incremental', unique_key='report_id', incremental_strategy='delete+insert',
              on_schema_change='append_new_columns',
              post_hook="{{ report_mart_indexes(" ~ ((grain | tojson) if grain else 'none') ~ ", " ~ (indexes | tojson) ~ ") }}") }}
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

{#- fct_measure_statements after a night: a re-staged report that no longer states a measure leaves
    rows in groups nothing else states (so the night did not recompute them); they go. -#}
{% macro drop_statements_no_longer_made() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as statement
    using {{ ref('stg_reports') }} as report
    where report.report_id = statement.report_id
      and statement.report_staged_at < report.staged_at
      and report.report_id in ({{ report_id_list(unvalidated_report_ids()) }})
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- The columns of this mart as built (a unit test, whose `this` is rows it gives, names them). -#}
{% macro built_columns() -%}
    {{ return(adapter.get_columns_in_relation(this) | map(attribute='name') | list) }}
{%- endmacro %}
