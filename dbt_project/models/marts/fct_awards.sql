-- Recipients of commendations, per report × issuer × award type × recipient kind × status.
{{ incremental_report_config(grain='award_key') }}

{{ measure_mart(
    key={'award_key': ['issuer', 'award_type', 'recipient_kind', 'status']},
    by={
        'issuer': "coalesce(" ~ json_text_list('attrs', 'issuer') ~ ", 'unknown')",
        'award_type': "coalesce(" ~ json_text_list('attrs', 'award_type') ~ ", 'other')",
        'recipient_kind': measure_kind(),
        'status': "coalesce(attrs ->> 'status', 'awarded')",
    },
    values={'recipients': 'sum(value)', 'is_approximate': 'bool_or(is_approximate)'},
    with_period=false,
    with_figure_ids=true,
) }}
