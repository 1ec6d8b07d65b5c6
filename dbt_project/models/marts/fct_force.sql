-- Local security staff (commune police, part-time officers, civil guards), per report × province × period × role.
{{ incremental_report_config(grain='force_key') }}

{{ measure_mart(
    key={'force_key': ['role']},
    by={'role': "coalesce(attrs ->> 'role', unit)"},
    values={'officers': 'sum(value)', 'is_approximate': 'bool_or(is_approximate)'},
) }}
