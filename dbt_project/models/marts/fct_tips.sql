-- What the public told the police and what came of it, per report × province × period.
{% set measures = {
    'tips.received': 'tips_received',
    'tips.valuable': 'tips_valuable',
    'tips.cases': 'cases',
    'tips.arrests': 'arrests',
} %}
{{ incremental_report_config(grain='report_id') }}

{{ per_report_pivot('tips', measures) }}
