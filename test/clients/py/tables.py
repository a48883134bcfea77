"""Parquet through S3 the way data scientists do it: written and read by pyarrow's own S3
file system, read by pandas through s3fs, and a dataset's CSV read by pandas from s3://.

argv: BUCKET KEY DATASET_CSV_KEY
"""

import os
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.fs as fs
import pyarrow.parquet as pq

from common import report

bucket, key, dataset_csv = sys.argv[1], sys.argv[2], sys.argv[3]
endpoint = os.environ["PLINTH_S3_ENDPOINT"]
access_key, secret_key = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]

plinth = fs.S3FileSystem(
    access_key=access_key,
    secret_key=secret_key,
    endpoint_override=endpoint,
    region="us-east-1",
    retry_strategy=fs.AwsStandardS3RetryStrategy(max_attempts=1),
)
written = pa.table({
    "sepal_length": [5.1, 4.9, 6.3, 5.8],
    "species": ["setosa", "setosa", "virginica", "virginica"],
    "count": pa.array([1, 2, None, 4], type=pa.int64()),
})
pq.write_table(written, f"{bucket}/{key}", filesystem=plinth)
table = pq.read_table(f"{bucket}/{key}", filesystem=plinth)
info = plinth.get_file_info(f"{bucket}/{key}")

options = {"key": access_key, "secret": secret_key, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
frame = pd.read_parquet(f"s3://{bucket}/{key}", storage_options=options)
csv = pd.read_csv(f"s3://{bucket}/{dataset_csv}", storage_options=options)

report({
    "pyarrow": {"schema": [f"{f.name}:{f.type}" for f in table.schema], "rows": table.num_rows, "equal": table.equals(written), "size": info.size},
    "pandas": {"columns": list(frame.columns), "species": frame["species"].tolist(), "nulls": int(frame["count"].isna().sum())},
    "csv": {"columns": list(csv.columns), "rows": len(csv)},
})
