-- Directives issued and amounts of money, per report × province × period.
{{ incremental_report_config(grain='report_id') }}

{{ measure_mart() }}
