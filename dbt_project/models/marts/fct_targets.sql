-- Results against a stated target: one row per target.achievement figure. The stated percentage is
-- kept as written and set beside the one computed from actual/target; pct_consistent flags a
-- difference of more than var('pct_tolerance_points') (dbt_project.yml; GX reads the same var).
{{ incremental_report_config(grain='figure_id') }}

{{ figure_mart(
    columns={
        'measure': 'measure',
        'subject': "attrs ->> 'subject'",
        'unit': 'unit',
        'qualifier': 'qualifier',
        'actual': 'value',
        'target': "nullif(attrs ->> 'target', '')::numeric",
        'stated_pct': "nullif(attrs ->> 'stated_pct', '')::numeric",
    },
    derived={
        'computed_pct': 'round(100 * actual / nullif(target, 0), 2)',
        'pct_consistent': "case when stated_pct is null or nullif(target, 0) is null then null
            else abs(stated_pct - 100 * actual / target) <= " ~ var('pct_tolerance_points') ~ " end",
    },
) }}
