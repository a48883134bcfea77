"""boto3's everyday calls: buckets, put/get/head, a byte range, copy, presigned links, deletes.

argv: BUCKET PREFIX
"""

import sys
import urllib.error
import urllib.parse
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



def fetch(url):
    try:
        with urllib.request.urlopen(url) as res:
            return {"status": res.status, "body": res.read().decode()}
    except urllib.error.HTTPError as err:
        return {"status": err.code, "body": err.read().decode()}


def tampered(url):
    """The same link with one character of its signature changed."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    changed = []
    for name, value in query:
        if name in ("Signature", "X-Amz-Signature"):
            # Another digit, not another case of the same one: hex is read either way.
            value = ("0" if value[0] != "0" else "1") + value[1:]
        changed.append((name, value))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(changed)))


# boto3 signs links with Signature Version 2 unless told to use version 4: both must open.
for version, signer in (("v2", s3), ("v4", client(signature_version="s3v4"))):
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": f"{prefix}hello.txt"}, ExpiresIn=300)
    facts[f"presigned{version}"] = fetch(url)
    facts[f"tampered{version}"] = fetch(tampered(url))

s3.delete_object(Bucket=bucket, Key=f"{prefix}hello.txt")
facts["afterDelete"] = error_of(lambda: s3.head_object(Bucket=bucket, Key=f"{prefix}hello.txt"))
facts["getAfterDelete"] = error_of(lambda: s3.get_object(Bucket=bucket, Key=f"{prefix}hello.txt"))
deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"{prefix}copy.txt"}, {"Key": f"{prefix}never-there.txt"}]})
facts["deleteObjects"] = {"deleted": sorted(d["Key"] for d in deleted.get("Deleted", [])), "errors": deleted.get("Errors", [])}
facts["left"] = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["KeyCount"]
facts["otherBucket"] = error_of(lambda: s3.list_objects_v2(Bucket="no-such-team"))
report(facts)
