{#
  BI never sees half a rebuild. The marts are built in schema marts_build (dbt_project.yml), which
  BI cannot read; transform.publish_marts (antq/sql/publish.sql) swaps it with `marts` in one
  transaction. Publishing needs a build that is complete and tested:

  - a `dbt build` in which every model, seed and test of the project ran and passed publishes at
    its end (on-run-end, below);
  - Cosmos runs one dbt invocation per node, none of which sees the whole build: there the DAG's
    publish task publishes once every dbt task succeeded (antq/publish.py).

  Each mart that dbt commits adds a row to transform.marts_builds (its post-hook, so in the same
  transaction as the model: a failed model adds none). A publication takes those rows, so a
  second publisher, or a retry after a publication, has nothing to publish and swaps nothing back.
#}

{% macro record_mart_build() -%}
    insert into transform.marts_builds (model, invocation_id)
    values ('{{ this.identifier }}', '{{ invocation_id }}')
{%- endmacro %}

{% macro publish_after_a_complete_build(results) -%}
    {%- if execute and flags.WHICH == 'build' -%}
        {%- set passed = [] -%}
        {%- set failed = [] -%}
        {%- for result in results -%}
            {#- exposures report no-op; a warning does not hold a build back -#}
            {%- if result.status in ('error', 'fail', 'skipped', 'runtime error', 'partial success') -%}
                {%- do failed.append(result.node.unique_id) -%}
            {%- else -%}
                {%- do passed.append(result.node.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set missing = [] -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type in ('model', 'seed', 'snapshot', 'test') and node.package_name == project_name
                  and node.unique_id not in passed -%}
                {%- do missing.append(node.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if failed -%}
            {{ log("marts not published: " ~ (failed | length) ~ " node(s) failed or were skipped; BI keeps"
                   ~ " reading the previous complete build", info=true) }}
        {%- elif not missing -%}
            {%- set published = run_query("select transform.publish_marts('dbt build " ~ invocation_id ~ "')")
                    .columns[0].values()[0] -%}
            {#- on-run-end runs outside dbt's transactions: commit what psycopg2 began -#}
            {%- do run_query("commit") -%}
            {%- if published is none -%}
                {{ log("marts: nothing built since the last publication", info=true) }}
            {%- else -%}
                {{ log("marts published (publication " ~ published ~ "): BI now reads this build", info=true) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
