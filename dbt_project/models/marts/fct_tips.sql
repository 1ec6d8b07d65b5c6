-- What the public told the police and what came of it, per report × province × period.
{{ incremental_report_config(grain='report_id') }}

{{ measure_mart() }}
