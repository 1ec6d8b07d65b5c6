-- Reports with their province resolved against the reference table valid at the report's date,
-- and the successor province after the 2025 reorganisation for roll-ups.
with reports as (
    select * from {{ ref('stg_reports') }}
),

provinces as (
    select * from {{ ref('provinces') }}
),

matched as (
    select
        reports.report_id,
        provinces.province_code,
        provinces.successor_code,
        provinces.successor_name,
        row_number() over (
            partition by reports.report_id
            -- a name used before and after 2025 (Thái Nguyên) means the unit of the report's time
            -- before July 2025 the oldest row, after it the newest
            order by case
                when coalesce(reports.report_date, reports.period_end, reports.received_date) < date '2025-07-01'
                    then provinces.valid_from - date '1900-01-01'
                else date '1900-01-01' - provinces.valid_from
            end
        ) as preference
    from reports
    join provinces on provinces.province_name = reports.province_name
),

final as (
    select
        reports.*,
        matched.province_code,
        matched.successor_code as current_province_code,
        matched.successor_name as current_province_name
    from reports
    left join matched
        on matched.report_id = reports.report_id and matched.preference = 1
)

select * from final
