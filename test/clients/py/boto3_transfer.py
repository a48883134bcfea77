"""boto3's managed transfers with their defaults: upload_file of a file above the multipart
threshold (8 MiB parts), then download_file, compared byte for byte by hash.

argv: BUCKET KEY WORKDIR SIZE_BYTES
"""

import hashlib
import os
import sys

from common import client, report

bucket, key, workdir, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s3 = client()

source = os.path.join(workdir, "upload.bin")
with open(source, "wb") as f:
    f.write(os.urandom(size))
s3.upload_file(source, bucket, key)
head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
target = os.path.join(workdir, "download.bin")
s3.download_file(bucket, key, target)


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


report({
    "size": head["ContentLength"],
    "eTag": head["ETag"],
    "uploaded": digest(source),
    "downloaded": digest(target),
    "downloadedSize": os.path.getsize(target),
    "openUploads": len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])),
})
