-- Campaign activity, per report × province × period × activity: one column per campaign measure.
{{ incremental_report_config(grain='campaign_key') }}

{{ measure_mart(key={'campaign_key': ['activity']}, by={'activity': 'activity'}) }}
