-- Coverage of administrative units ("102/102 xã"): one row per coverage.units figure.
{{ incremental_report_config(grain='figure_id') }}

{{ figure_mart(columns={
    'covered': 'value',
    'total': "nullif(attrs ->> 'total', '')::numeric",
    'unit_kind': "coalesce(attrs ->> 'unit_kind', unit)",
    'coverage_pct': "round(100 * value / nullif(nullif(attrs ->> 'total', '')::numeric, 0), 2)",
    'qualifier': 'qualifier',
}) }}
