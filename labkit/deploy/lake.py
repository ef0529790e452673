"""The data lake as a template (notebook 08): an S3 bucket, the Glue Data Catalog database and
tables (with partition projection), Lake Formation grants (column subsets and row filters) and
an Athena workgroup with a bytes-scanned cutoff per query.

Built from the lab's :class:`labkit.lake.Lake`: its catalog entries (columns, partition keys and
the partition values it holds) and its grants, so the tables and permissions a learner explored
with DuckDB are the ones the template declares.
"""

from __future__ import annotations

from typing import Any

from labkit.core.validation import check_int
from labkit.deploy.limits import require_at_least
from labkit.deploy.template import Template, logical_id, ref, sub

__all__ = ["data_lake_template", "partition_projection"]


def partition_projection(entry: Any) -> dict[str, str]:
    """Athena partition-projection table properties for a catalog entry: integer keys project
    their observed range, other keys an ``enum`` of their observed values (as the notebook's
    ``athena_ddl`` does), and ``storage.location.template`` names the S3 layout.

    >>> from labkit.lake.catalog import TableEntry
    >>> e = TableEntry("curated", "orders", "curated/orders", "parquet", (("id", "BIGINT"),),
    ...                (("year", "BIGINT"), ("region", "VARCHAR")),
    ...                (("2024", "eu"), ("2025", "us")), 2, 100, 1)
    >>> props = partition_projection(e)
    >>> props["projection.year.range"], props["projection.region.values"]
    ('2024,2025', 'eu,us')
    """
    props = {"projection.enabled": "true"}
    for i, (key, typ) in enumerate(entry.partition_keys):
        values = sorted({p[i] for p in entry.partitions})
        if typ.upper() in ("BIGINT", "INTEGER") and values:
            nums = sorted(int(v) for v in values)
            props[f"projection.{key}.type"] = "integer"
            props[f"projection.{key}.range"] = f"{nums[0]},{nums[-1]}"
        else:
            props[f"projection.{key}.type"] = "enum"
            props[f"projection.{key}.values"] = ",".join(values)
    template = "/".join(f"{k}=${{{k}}}" for k, _ in entry.partition_keys)
    props["storage.location.template"] = f"s3://${{LakeBucket}}/{entry.location}/{template}/"
    return props


def data_lake_template(lake: Any, *, bytes_scanned_cutoff: int = 1_000_000_000,
                       database: str = "curated") -> Template:
    """Glue database and tables, Lake Formation grants and an Athena workgroup for a built
    :class:`labkit.lake.Lake`.

    Each grant becomes an ``AWS::LakeFormation::PrincipalPermissions`` for the IAM role named
    after the lab's principal; a grant with a row filter goes through an
    ``AWS::LakeFormation::DataCellsFilter`` (row filter and column list). The workgroup cancels
    any query that would scan more than ``bytes_scanned_cutoff`` bytes (refused below Athena's
    minimum).
    """
    from labkit.lake import Lake
    from labkit.lake.athena import hive_type

    if not isinstance(lake, Lake):
        raise TypeError(f"lake must be a labkit.lake.Lake, got {type(lake).__name__}")
    cutoff = require_at_least("bytes_scanned_cutoff",
                              check_int("bytes_scanned_cutoff", bytes_scanned_cutoff, minimum=1),
                              "athena_bytes_scanned_cutoff_min_bytes")
    tables = lake.catalog.tables(database)
    if not tables:
        raise ValueError(f"the lake's catalog has no table in {database!r}: build the lake first")
    res: dict[str, Any] = {
        "LakeBucket": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True,
                "IgnorePublicAcls": True, "RestrictPublicBuckets": True}}},
        "ResultsBucket": {"Type": "AWS::S3::Bucket", "Properties": {
            "LifecycleConfiguration": {"Rules": [{"Id": "expire-results", "Status": "Enabled",
                                                  "ExpirationInDays": 30}]}}},
        "Database": {"Type": "AWS::Glue::Database", "Properties": {
            "CatalogId": ref("AWS::AccountId"), "DatabaseInput": {"Name": database}}},
        "LakeLocation": {"Type": "AWS::LakeFormation::Resource", "Properties": {
            "ResourceArn": sub("arn:${AWS::Partition}:s3:::${LakeBucket}"),
            "UseServiceLinkedRole": True}},
        "Workgroup": {"Type": "AWS::Athena::WorkGroup", "Properties": {
            "Name": "lake-analysts", "State": "ENABLED",
            "WorkGroupConfiguration": {
                "BytesScannedCutoffPerQuery": int(cutoff),
                "EnforceWorkGroupConfiguration": True,
                "PublishCloudWatchMetricsEnabled": True,
                "ResultConfiguration": {"OutputLocation": sub("s3://${ResultsBucket}/results/")},
            }}},
    }
    for name in tables:
        entry = lake.catalog.table(f"{database}.{name}")
        tid = logical_id(name, "Table")
        params = {"classification": entry.format}
        if entry.partition_keys:
            for key, value in partition_projection(entry).items():
                if key == "storage.location.template":
                    # Athena's ${key} placeholders are kept literally: ${!key} in Fn::Sub.
                    value = sub(value.replace("${", "${!").replace("${!LakeBucket}",
                                                                  "${LakeBucket}"))
                params[key] = value
        res[tid] = {"Type": "AWS::Glue::Table", "DependsOn": ["Database"], "Properties": {
            "CatalogId": ref("AWS::AccountId"), "DatabaseName": database,
            "TableInput": {
                "Name": name, "TableType": "EXTERNAL_TABLE", "Parameters": params,
                "PartitionKeys": [{"Name": c, "Type": hive_type(t)}
                                  for c, t in entry.partition_keys],
                "StorageDescriptor": {
                    "Columns": [{"Name": c, "Type": hive_type(t)} for c, t in entry.columns],
                    "Location": sub(f"s3://${{LakeBucket}}/{entry.location}/"),
                    "InputFormat":
                        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "OutputFormat":
                        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    "SerdeInfo": {"SerializationLibrary":
                                  "org.apache.hadoop.hive.ql.io.parquet.serde."
                                  "ParquetHiveSerDe"}}}}}
    grants = lake.grants()
    for row in grants.itertuples(index=False):
        table = row.table.split(".")[-1]
        principal = {"DataLakePrincipalIdentifier": sub(
            f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{row.principal}")}
        columns = None if row.columns == "*" else [c.strip() for c in row.columns.split(",")]
        gid = logical_id(row.principal, table, "Grant")
        if row.row_filter:
            fid = logical_id(row.principal, table, "Filter")
            filter_props: dict[str, Any] = {
                "TableCatalogId": ref("AWS::AccountId"), "DatabaseName": database,
                "TableName": table, "Name": f"{row.principal}-{table}",
                "RowFilter": {"FilterExpression": row.row_filter}}
            if columns:
                filter_props["ColumnNames"] = columns
            else:
                filter_props["ColumnWildcard"] = {}
            res[fid] = {"Type": "AWS::LakeFormation::DataCellsFilter",
                        "DependsOn": [logical_id(table, "Table")], "Properties": filter_props}
            resource = {"DataCellsFilter": {"TableCatalogId": ref("AWS::AccountId"),
                                            "DatabaseName": database, "TableName": table,
                                            "Name": f"{row.principal}-{table}"}}
            depends = [fid]
        else:
            twc: dict[str, Any] = {"CatalogId": ref("AWS::AccountId"),
                                   "DatabaseName": database, "Name": table}
            if columns:
                twc["ColumnNames"] = columns
            else:
                twc["ColumnWildcard"] = {}
            resource = {"TableWithColumns": twc}
            depends = [logical_id(table, "Table")]
        res[gid] = {"Type": "AWS::LakeFormation::PrincipalPermissions", "DependsOn": depends,
                    "Properties": {"Principal": principal, "Resource": resource,
                                   "Permissions": ["SELECT"], "PermissionsWithGrantOption": []}}
    return Template(
        "data-lake",
        "Data lake: S3, Glue Data Catalog tables with partition projection, Lake Formation "
        "grants (column subsets, row filters) and an Athena workgroup with a per-query "
        "bytes-scanned cutoff. Generated by labkit.deploy from the lab's Lake.",
        res,
        outputs={"Workgroup": {"Value": ref("Workgroup")}},
        cost_drivers=(
            "Athena: per TB scanned (10 MB minimum per query); the cutoff cancels a query at "
            f"{cutoff:,} bytes",
            "S3: storage per GB-month and requests (Parquet and partitions cut the bytes read)",
            "Glue Data Catalog: objects above the free tier and requests",
            "Lake Formation: no charge for permissions",
        ))
