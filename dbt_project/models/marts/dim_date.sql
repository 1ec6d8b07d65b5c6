-- A calendar for report and period dates (fixed range, so rebuilds are identical).
with days as (
    select generate_series(date '2000-01-01', date '2040-12-31', interval '1 day')::date as date_day
),

final as (
    select
        date_day,
        extract(year from date_day)::int as year,
        extract(quarter from date_day)::int as quarter,
        extract(month from date_day)::int as month,
        extract(day from date_day)::int as day_of_month,
        extract(isodow from date_day)::int as iso_day_of_week,
        extract(isodow from date_day) >= 6 as is_weekend,
        to_char(date_day, 'YYYY-MM') as year_month
    from days
)

select * from final
