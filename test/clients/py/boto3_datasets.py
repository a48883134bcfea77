"""A dataset version seen through S3: listed and read under datasets/<name>/, refused to
writes and deletes.

argv: BUCKET DATASET FILE
"""

import sys

from common import client, error_of, report

bucket, dataset, name = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = client()
base = f"datasets/{dataset}/"
top = s3.list_objects_v2(Bucket=bucket, Prefix="datasets/", Delimiter="/")
versions = s3.list_objects_v2(Bucket=bucket, Prefix=base, Delimiter="/")
files = s3.list_objects_v2(Bucket=bucket, Prefix=f"{base}v1/")
report({
    "datasets": [p["Prefix"] for p in top.get("CommonPrefixes", [])],
    "versions": [p["Prefix"] for p in versions.get("CommonPrefixes", [])],
    "files": [{"key": o["Key"], "size": o["Size"]} for o in files.get("Contents", [])],
    "v1": s3.get_object(Bucket=bucket, Key=f"{base}v1/{name}")["Body"].read().decode(),
    "latest": s3.get_object(Bucket=bucket, Key=f"{base}latest/{name}")["Body"].read().decode(),
    "put": error_of(lambda: s3.put_object(Bucket=bucket, Key=f"{base}v1/{name}", Body=b"changed")),
    "putNew": error_of(lambda: s3.put_object(Bucket=bucket, Key=f"{base}v1/extra.csv", Body=b"a\n1\n")),
    "delete": error_of(lambda: s3.delete_object(Bucket=bucket, Key=f"{base}v1/{name}")),
    "afterwards": s3.get_object(Bucket=bucket, Key=f"{base}v1/{name}")["Body"].read().decode(),
})
