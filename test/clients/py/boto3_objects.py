"""boto3's everyday calls: buckets, put/get/head, a byte range, copy, presigned links, deletes.

argv: BUCKET PREFIX
"""

import sys
import urllib.error
import urllib.request

from common import client, error_of, report

bucket, prefix = sys.argv[1], sys.argv[2]
s3 = client()
facts = {"buckets": sorted(b["Name"] for b in s3.list_buckets()["Buckets"])}

body = b"hello from boto3\n"
put = s3.put_object(Bucket=bucket, Key=f"{prefix}hello.txt", Body=body, ContentType="text/plain")
facts["putETag"] = put["ETag"]
got = s3.get_object(Bucket=bucket, Key=f"{prefix}hello.txt")
facts["get"] = {"body": got["Body"].read().decode(), "contentType": got["ContentType"], "eTag": got["ETag"]}
head = s3.head_object(Bucket=bucket, Key=f"{prefix}hello.txt")
facts["head"] = {"size": head["ContentLength"], "eTag": head["ETag"]}
ranged = s3.get_object(Bucket=bucket, Key=f"{prefix}hello.txt", Range="bytes=6-9")
facts["range"] = {"body": ranged["Body"].read().decode(), "contentRange": ranged["ContentRange"], "status": ranged["ResponseMetadata"]["HTTPStatusCode"]}

s3.copy_object(Bucket=bucket, Key=f"{prefix}copy.txt", CopySource={"Bucket": bucket, "Key": f"{prefix}hello.txt"})
facts["copy"] = s3.get_object(Bucket=bucket, Key=f"{prefix}copy.txt")["Body"].read().decode()

url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": f"{prefix}hello.txt"}, ExpiresIn=300)
with urllib.request.urlopen(url) as res:
    facts["presigned"] = {"status": res.status, "body": res.read().decode()}
# The same link with one character of its signature changed opens nothing.
tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
try:
    urllib.request.urlopen(tampered)
    facts["tampered"] = {"status": 200}
except urllib.error.HTTPError as err:
    facts["tampered"] = {"status": err.code, "body": err.read().decode()}

s3.delete_object(Bucket=bucket, Key=f"{prefix}hello.txt")
facts["afterDelete"] = error_of(lambda: s3.head_object(Bucket=bucket, Key=f"{prefix}hello.txt"))
facts["getAfterDelete"] = error_of(lambda: s3.get_object(Bucket=bucket, Key=f"{prefix}hello.txt"))
deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"{prefix}copy.txt"}, {"Key": f"{prefix}never-there.txt"}]})
facts["deleteObjects"] = {"deleted": sorted(d["Key"] for d in deleted.get("Deleted", [])), "errors": deleted.get("Errors", [])}
facts["left"] = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["KeyCount"]
facts["otherBucket"] = error_of(lambda: s3.list_objects_v2(Bucket="no-such-team"))
report(facts)
