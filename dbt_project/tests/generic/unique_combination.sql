{# The columns together identify at most one row (optionally among the rows matching `where`). #}
{% test unique_combination(model, columns, where=none) %}
select {{ columns | join(', ') }}, count(*) as rows
from {{ model }}
{% if where %}where {{ where }}{% endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
