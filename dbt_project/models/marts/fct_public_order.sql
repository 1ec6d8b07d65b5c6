-- Mediation, domestic violence, reintegration and patrols, per report × province × period.
{% set measures = {
    'mediation.cases': 'disputes_mediated',
    'family_violence.cases': 'family_violence_cases',
    'reintegration.people': 'people_reintegrated',
    'patrols.count': 'patrols',
} %}
{{ incremental_report_config(grain='report_id') }}

{{ per_report_pivot('public_order', measures) }}
