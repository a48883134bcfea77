"""Many keys: 1,200 small objects put in parallel, listed in pages with ListObjectsV2 (and a
delimiter), then removed with DeleteObjects, at most 1,000 keys a call as S3 allows.

argv: BUCKET PREFIX COUNT
"""

import sys
from concurrent.futures import ThreadPoolExecutor

from common import client, report

bucket, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
s3 = client(max_pool_connections=16)
keys = [f"{prefix}{'even' if i % 2 == 0 else 'odd'}/item-{i:05d}.txt" for i in range(count)]
with ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode()), keys))


def pages(**kwargs):
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, **kwargs):
        found.append({
            "keys": [o["Key"] for o in page.get("Contents", [])],
            "prefixes": [p["Prefix"] for p in page.get("CommonPrefixes", [])],
            "truncated": page["IsTruncated"],
        })
    return found


default_pages = pages()
small_pages = pages(PaginationConfig={"PageSize": 500})
after = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, StartAfter=sorted(keys)[-2])
folders = pages(Delimiter="/")
v1 = s3.list_objects(Bucket=bucket, Prefix=prefix, MaxKeys=1000)

listed = [k for p in default_pages for k in p["keys"]]
deleted = 0
errors = []
for start in range(0, len(listed), 1000):
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in listed[start:start + 1000]], "Quiet": True})
    deleted += len(listed[start:start + 1000])
    errors += answer.get("Errors", [])

report({
    "put": len(keys),
    "pageSizes": [len(p["keys"]) for p in default_pages],
    "smallPageSizes": [len(p["keys"]) for p in small_pages],
    "listedInOrder": listed == sorted(keys),
    "listedAll": sorted(listed) == sorted(keys),
    "startAfter": [o["Key"] for o in after.get("Contents", [])],
    "lastKey": sorted(keys)[-1],
    "folders": [p for page in folders for p in page["prefixes"]],
    "v1": {"count": len(v1.get("Contents", [])), "truncated": v1["IsTruncated"]},
    "deleteErrors": errors,
    "leftAfterDelete": s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["KeyCount"],
})
