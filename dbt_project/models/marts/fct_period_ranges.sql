-- What a province stated for a measure, in a unit, for each period: the lowest and highest of all
-- its figures for that period. Great Expectations' previous-period rule (expectations/rules.yaml,
-- figure_jump_against_previous_period) reads a province's earlier periods here, by key, instead of
-- aggregating the history of fct_figures every night.
--
-- Incremental by period (province × measure × unit × period). It is built just before fct_figures
-- (which names it as a dependency) and reads fct_figures as that mart's previous build left it: it
-- takes in the reports fct_figures is about to take in (staged since that build, however many
-- nights behind this copy of the marts is). A period their figures state extends its built range
-- with them (lowest, highest and count of every figure fct_figures' previous build holds for it).
-- Two kinds of period are recomputed instead, from the other reports' figures of the period
-- (fct_figures' (province, measure, period) index) plus theirs: a period a re-staged report stated
-- before (fct_figures), whose range holds the figures the report replaces, and a period a build that
-- stopped after this model (before fct_figures) made of reports fct_figures has not taken in yet,
-- whose range holds them already. A period no figure states any more gets figure_count 0 and the
-- post-hook drops it.
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
{#- a night's few reports are literals; a backfill's are the query (report_id_list) -#}
{%- set night = incremental and not increment.strip().lower().startswith('select') -%}

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

-- their range per period: a first build's ranges; on an incremental run, what extends a built range
figure_ranges as (
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

{% if incremental %}
    -- the periods to recompute: what the re-staged among the reports stated in fct_figures'
    -- previous build (those figures are in the built ranges, and are replaced)
    recomputed_periods as (
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
        -- fct_figures has not taken in yet (the built range counts them already)
        select
            province_code,
            measure,
            unit_key,
            period_start,
            period_end
        from {{ this }}
        where report_staged_at > {{ figures_built_through }}
    ),

    -- every other period the new figures state: its built range (if any) takes them in
    new_ranges as (
        select * from figure_ranges
        where not exists (
            select from recomputed_periods as recomputed
            where
                recomputed.province_code = figure_ranges.province_code
                and recomputed.measure = figure_ranges.measure
                and recomputed.unit_key = figure_ranges.unit_key
                and recomputed.period_start = figure_ranges.period_start
                and recomputed.period_end = figure_ranges.period_end
        )
    ),

    extended as (
        select
            new_ranges.province_code,
            new_ranges.measure,
            new_ranges.unit_key,
            new_ranges.period_start,
            new_ranges.period_end,
            -- least() and greatest() ignore the nulls of a period not built yet
            least(built.low, new_ranges.low) as low,
            greatest(built.high, new_ranges.high) as high,
            coalesce(built.figure_count, 0) + new_ranges.figure_count as figure_count,
            greatest(built.report_staged_at, new_ranges.report_staged_at) as report_staged_at
        from new_ranges
        left join
            lateral (
                select
                    built.low,
                    built.high,
                    built.figure_count,
                    built.report_staged_at
                from {{ this }} as built
                where
                    built.province_code = new_ranges.province_code
                    and built.measure = new_ranges.measure
                    and built.unit_key = new_ranges.unit_key
                    and built.period_end = new_ranges.period_end
                    and built.period_start = new_ranges.period_start
                {#- a night's few periods: one lookup each in the series index (see `stated`) #}
                {%- if night %}
                offset 0
                {%- endif %}
            ) as built on true
    ),

    -- the periods to recompute, with every figure that states them: the new ones and, from
    -- fct_figures' previous build, the other reports'
    stated as (
        select
            recomputed.*,
            kept.value,
            kept.report_staged_at
        from recomputed_periods as recomputed
        cross join
            lateral (
                select
                    built.value,
                    built.report_staged_at
                from {{ figures_mart }} as built
                where
                    built.province_code = recomputed.province_code
                    and built.measure = recomputed.measure
                    and built.period_end = recomputed.period_end
                    and built.period_start = recomputed.period_start
                    and built.value > 0
                    and lower(btrim(coalesce(built.unit, ''))) = recomputed.unit_key
                    and built.report_id not in ({{ increment }})
                {#- a night's few periods: one index lookup each. `offset 0` keeps PostgreSQL from
                    turning the lookups into a join, which it planned as a sort of all of fct_figures
                    (it cannot tell how few the periods are) -#}
                {%- if night %}
                offset 0
                {%- endif %}
            ) as kept
        union all
        select * from figures
    ),

    recomputed as (
        select
            recomputed.province_code,
            recomputed.measure,
            recomputed.unit_key,
            recomputed.period_start,
            recomputed.period_end,
            min(stated.value) as low,
            max(stated.value) as high,
            count(stated.value) as figure_count,
            max(stated.report_staged_at) as report_staged_at
        from recomputed_periods as recomputed
        left join stated
            on
                recomputed.province_code = stated.province_code
                and recomputed.measure = stated.measure
                and recomputed.unit_key = stated.unit_key
                and recomputed.period_start = stated.period_start
                and recomputed.period_end = stated.period_end
        group by 1, 2, 3, 4, 5
    ),

    ranges as (
        select * from extended
        union all
        select * from recomputed
    ),
{% else %}
    ranges as (
        select * from figure_ranges
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
