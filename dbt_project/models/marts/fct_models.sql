-- Self-management models and groups, per report × province × period × kind × type.
-- kind (the measure's mart_kind): model_types (kinds of model), models (models in operation /
-- recognised / replicated), groups (teams, clusters), group_members.
{{ incremental_report_config(grain='model_key') }}

{#- from fct_figures, which knows which parts belong to an exhaustive breakdown; those parts are
    already inside their whole: `total` counts them once -#}
{{ measure_mart(
    key={'model_key': ['kind', 'type']},
    by={'kind': measure_kind(), 'type': "coalesce(attrs ->> 'group_type', attrs ->> 'status', 'unspecified')"},
    values={
        'total': 'sum(value) filter (where not is_breakdown_part)',
        'total_including_breakdown_parts': 'sum(value)',
        'is_approximate': 'bool_or(is_approximate)',
    },
    source='fct_figures',
) }}
