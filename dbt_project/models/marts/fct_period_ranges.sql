-- What a province stated for a measure, in a unit, for each period: the lowest and highest of all
-- its figures for that period. Great Expectations' previous-period rule (expectations/rules.yaml,
-- figure_jump_against_previous_period) reads a province's earlier periods here, by key, instead of
-- aggregating the history of fct_figures every night.
--
-- Incremental by period (province × measure × unit × period). It is built just before fct_figures
-- (which names it as a dependency) and reads fct_figures as that mart's previous build left it: it
-- takes in the reports fct_figures is about to take in (staged since that build, however many
-- nights behind this copy of the marts is) and recomputes only the periods they state now
-- (int_figures) or stated before they were re-staged (fct_figures), from the other reports' figures
-- of those periods (fct_figures' (province, measure, period) index) plus theirs. A period no figure
-- states any more gets figure_count 0 and the post-hook drops it.
{{ config(
    materialized='incremental',
    unique_key='period_key',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    post_hook=[
        "create unique index if not exists fct_period_ranges__period_key on {{ this }} (period_key)",
        "create index if not exists fct_period_ranges__series on {{ this }}
            (province_code, measure, unit_key, period_end, period_start) include (days, low, high)",
        "create index if not exists fct_period_ranges__report_staged_at on {{ this }} (report_staged_at)",
        "create index if not exists fct_period_ranges__without_figures on {{ this }} (period_key)
            where figure_count = 0",
        "{{ drop_periods_without_figures() }}",
        "{{ analyze_after_a_large_build() }}",
    ],
) }}

{#- refs outside the branches, so dbt sees the dependencies when it parses -#}
{%- set reports = ref('stg_reports') -%}
{#- fct_figures of this copy of the marts, which this model's first build (full) precedes -#}
{%- set figures_mart = this.incorporate(path={'identifier': 'fct_figures'}) -%}
{#- (`make lint` has no built relation, so it lints the first build's branch) -#}
{%- set incremental = is_incremental() and 'report_staged_at' in built_columns() -%}
{%- set figures_built_through = "(select coalesce(max(report_staged_at), '-infinity'::timestamptz) from "
                                ~ figures_mart ~ ")" -%}
{#- the reports fct_figures takes in next: literals for a night's few (report_id_list) -#}
{%- set increment = report_id_list("select report_id from " ~ reports ~ " where staged_at > " ~ figures_built_through)
                    if incremental else "null" -%}

-- the figures a period is made of: a province's, of a measure, a positive value over a whole period
with figures as (
    select
        province_code,
        measure,
        lower(btrim(coalesce(unit, ''))) as unit_key,
        period_start,
        period_end,
        value,
        report_staged_at
    from {{ ref('int_figures') }}
    where
        {{ "report_id in (" ~ increment ~ ")" if incremental else "true" }}
        and province_code is not null
        and measure is not null
        and period_start is not null
        and period_end >= period_start
        and value > 0
),

{% if incremental %}
    touched as (
        select
            province_code,
            measure,
            unit_key,
            period_start,
            period_end
        from figures
        union
        -- what the re-staged among them stated in fct_figures' previous build
        select
            province_code,
            measure,
            lower(btrim(coalesce(unit, ''))) as unit_key,
            period_start,
            period_end
        from {{ figures_mart }}
        where
            report_id in ({{ increment }})
            and province_code is not null
            and measure is not null
            and period_start is not null
            and period_end >= period_start
            and value > 0
        union
        -- periods a build that stopped after this model (before fct_figures) made of reports
        -- fct_figures has not taken in yet
        select
            province_code,
            measure,
            unit_key,
            period_start,
            period_end
        from {{ this }}
        where report_staged_at > {{ figures_built_through }}
    ),

    stated as (
        select
            touched.*,
            kept.value,
            kept.report_staged_at
        from touched
        cross join
            lateral (
                select
                    built.value,
                    built.report_staged_at
                from {{ figures_mart }} as built
                where
                    built.province_code = touched.province_code
                    and built.measure = touched.measure
                    and built.period_end = touched.period_end
                    and built.period_start = touched.period_start
                    and built.value > 0
                    and lower(btrim(coalesce(built.unit, ''))) = touched.unit_key
                    and built.report_id not in ({{ increment }})
            ) as kept
        union all
        select * from figures
    ),

    ranges as (
        select
            touched.province_code,
            touched.measure,
            touched.unit_key,
            touched.period_start,
            touched.period_end,
            min(stated.value) as low,
            max(stated.value) as high,
            count(stated.value) as figure_count,
            max(stated.report_staged_at) as report_staged_at
        from touched
        left join stated
            on
                touched.province_code = stated.province_code
                and touched.measure = stated.measure
                and touched.unit_key = stated.unit_key
                and touched.period_start = stated.period_start
                and touched.period_end = stated.period_end
        group by 1, 2, 3, 4, 5
    ),
{% else %}
    ranges as (
        select
            province_code,
            measure,
            unit_key,
            period_start,
            period_end,
            min(value) as low,
            max(value) as high,
            count(*) as figure_count,
            max(report_staged_at) as report_staged_at
        from figures
        group by 1, 2, 3, 4, 5
    ),
{% endif %}

final as (
    select
        md5(concat_ws('|', province_code, measure, unit_key, period_start, period_end)) as period_key,
        province_code,
        measure,
        unit_key,
        period_start,
        period_end,
        period_end - period_start + 1 as days,
        low,
        high,
        figure_count,
        report_staged_at
    from ranges
)

select * from final
