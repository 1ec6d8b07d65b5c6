-- Mediation, domestic violence, reintegration and patrols, per report × province × period.
{{ incremental_report_config(grain='report_id') }}

{{ measure_mart() }}
