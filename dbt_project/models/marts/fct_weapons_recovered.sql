-- Weapons, ammunition and explosives recovered or handed in, per report × province × period ×
-- category (the measure's mart_kind) × unit: rounds and kilograms of ammunition do not add up.
{{ incremental_report_config(grain='weapons_key') }}

{{ measure_mart(
    key={'weapons_key': ['measure', 'unit']},
    by={'category': measure_kind(), 'unit': 'unit'},
    values={'quantity': 'sum(value)', 'is_approximate': 'bool_or(is_approximate)'},
) }}
