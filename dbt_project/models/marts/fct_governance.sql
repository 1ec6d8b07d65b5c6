-- Directives issued and amounts of money, per report × province × period.
{% set measures = {
    'documents.issued': 'documents_issued',
    'money.vnd': 'amount_vnd',
} %}
{{ incremental_report_config(grain='report_id') }}

{{ per_report_pivot('governance', measures) }}
