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

{#- dbt docs: the marts' columns, comments and sizes are read from `marts`, what BI reads (a first
    build's marts_build is empty once published, a later one holds the previous build). The
    relations keep the name dbt builds them under, marts_build, so dbt matches them to the models.
    dbt-postgres' catalog query otherwise unchanged. -#}
{% macro postgres__get_catalog_relations(information_schema, relations) -%}
  {%- call statement('catalog', fetch_result=True) -%}
    {% set database = information_schema.database %}
    {{ adapter.verify_database(database) }}

    select
        '{{ database }}' as table_database,
        case when sch.nspname = 'marts' then 'marts_build' else sch.nspname end as table_schema,
        tbl.relname as table_name,
        case tbl.relkind
            when 'v' then 'VIEW'
            when 'm' then 'MATERIALIZED VIEW'
            else 'BASE TABLE'
        end as table_type,
        tbl_desc.description as table_comment,
        col.attname as column_name,
        col.attnum as column_index,
        pg_catalog.format_type(col.atttypid, col.atttypmod) as column_type,
        col_desc.description as column_comment,
        pg_get_userbyid(tbl.relowner) as table_owner

    from pg_catalog.pg_namespace sch
    join pg_catalog.pg_class tbl on tbl.relnamespace = sch.oid
    join pg_catalog.pg_attribute col on col.attrelid = tbl.oid
    left outer join pg_catalog.pg_description tbl_desc on (tbl_desc.objoid = tbl.oid and tbl_desc.objsubid = 0)
    left outer join pg_catalog.pg_description col_desc on (col_desc.objoid = tbl.oid and col_desc.objsubid = col.attnum)
    where (
      {%- for relation in relations -%}
        {%- set schema = 'marts' if relation.schema | lower == 'marts_build' else relation.schema -%}
        {%- if relation.identifier -%}
          (upper(sch.nspname) = upper('{{ schema }}') and
           upper(tbl.relname) = upper('{{ relation.identifier }}'))
        {%- else-%}
          upper(sch.nspname) = upper('{{ schema }}')
        {%- endif -%}
        {%- if not loop.last %} or {% endif -%}
      {%- endfor -%}
    )
      and not pg_is_other_temp_schema(sch.oid)
      and tbl.relpersistence in ('p', 'u')
      and tbl.relkind in ('r', 'v', 'f', 'p', 'm')
      and col.attnum > 0
      and not col.attisdropped

    order by
        sch.nspname,
        tbl.relname,
        col.attnum

  {%- endcall -%}

  {{ return(load_result('catalog').table) }}
{%- endmacro %}

{% macro postgres__get_catalog(information_schema, schemas) -%}
  {%- set relations = [] -%}
  {%- for schema in schemas -%}
    {%- do relations.append({'schema': schema}) -%}
  {%- endfor -%}
  {{ return(postgres__get_catalog_relations(information_schema, relations)) }}
{%- endmacro %}
