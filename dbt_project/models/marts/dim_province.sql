-- Provinces before and after the 2025 reorganisation (63 → 34). Roll a figure up to today's
-- province with successor_code: Bắc Kạn 2022 falls under Thái Nguyên, Kon Tum under Quảng Ngãi.
with provinces as (
    select * from {{ ref('provinces') }}
),

final as (
    select
        provinces.province_code,
        provinces.province_name,
        provinces.province_name_ascii,
        provinces.kind,
        provinces.region,
        provinces.valid_from,
        provinces.valid_to,
        provinces.is_current,
        provinces.successor_code,
        successor.province_name as successor_name,
        successor.region as successor_region
    from provinces
    join provinces as successor on provinces.successor_code = successor.province_code
)

select * from final
