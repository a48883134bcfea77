"""What the client scripts share: a boto3 client for the Plinth under test.

The test passes the endpoint (PLINTH_S3_ENDPOINT, e.g. http://127.0.0.1:PORT/s3) and the
access key in the standard AWS variables; PLINTH_S3_CA names the certificate to trust when
the endpoint is https. Each script prints one JSON object of what it saw; the test checks it.
"""

import json
import os
import sys

import boto3
from botocore.config import Config


def client(**config):
    return boto3.client(
        "s3",
        endpoint_url=os.environ["PLINTH_S3_ENDPOINT"],
        region_name="us-east-1",
        verify=os.environ.get("PLINTH_S3_CA") or None,
        # One attempt: a failed request fails the test instead of being retried away.
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "total_max_attempts": 1}, **config),
    )


def error_of(call):
    """The S3 error code and HTTP status a call fails with, or None when it succeeds."""
    try:
        call()
    except boto3.session.botocore.exceptions.ClientError as err:
        return {"code": err.response["Error"]["Code"], "status": err.response["ResponseMetadata"]["HTTPStatusCode"], "message": err.response["Error"].get("Message", "")}
    return None


def report(facts):
    json.dump(facts, sys.stdout)
    sys.stdout.write("\n")
