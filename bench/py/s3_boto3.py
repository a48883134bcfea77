"""boto3 against one S3 endpoint: a large object up and down with boto3's managed transfers
(upload_file / download_file with their defaults), then many small objects put and got with
16 threads. Prints one JSON object of seconds per phase.

argv: ENDPOINT BUCKET WORKDIR SIZE_MIB COUNT [--create-bucket]
The access key comes from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
"""

import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

endpoint, bucket, workdir, size_mib, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    config=Config(s3={"addressing_style": "path"}, max_pool_connections=16, retries={"max_attempts": 1}),
)
if "--create-bucket" in sys.argv:
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass

source = os.path.join(workdir, "big.bin")
with open(source, "wb") as f:
    block = os.urandom(16 << 20)
    for i in range(size_mib // 16):
        f.write(block[:-4] + i.to_bytes(4, "little"))


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def timed(work):
    os.sync()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


figures = {}
figures["bigPut"] = timed(lambda: s3.upload_file(source, bucket, "bench/big.bin"))
target = os.path.join(workdir, "big-back.bin")
figures["bigGet"] = timed(lambda: s3.download_file(bucket, "bench/big.bin", target))
if digest(target) != digest(source):
    sys.exit("the large object came back different")
os.remove(target)
os.remove(source)

keys = [f"bench/small/{i:05d}.bin" for i in range(count)]
bodies = {k: os.urandom(4096) for k in keys}


def put_all():
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=bodies[k]), keys))


got = {}


def get_all():
    def get(k):
        got[k] = s3.get_object(Bucket=bucket, Key=k)["Body"].read()

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(get, keys))


figures["smallPut"] = timed(put_all)
figures["smallGet"] = timed(get_all)
if got != bodies:
    sys.exit("small objects came back different")
for start in range(0, count, 1000):
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]], "Quiet": True})
s3.delete_object(Bucket=bucket, Key="bench/big.bin")
json.dump(figures, sys.stdout)
sys.stdout.write("\n")
