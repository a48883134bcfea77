"""What the MLflow client scripts share: the tracking server under test, checks, one report.

The tracking URI comes from MLFLOW_TRACKING_URI (e.g. http://127.0.0.1:PORT for the reference
`mlflow server`, or Plinth's own); MLFLOW_TRACKING_TOKEN, when set, is sent by the client as a
bearer token. Each script asserts as it goes, stops at the first failure with a message that
says what was expected and what came back, and prints one JSON line of what it saw at the end.
Names are unique per run: several scripts share one server.
"""

import json
import math
import os
import sys
import uuid

# Set before mlflow is imported: no usage reports sent out, and one attempt per request, so a
# failing call fails the script instead of being retried for minutes.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")

import mlflow  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.utils.validation import PARAM_VALIDATION_MSG  # noqa: E402


def connect():
    """Points the client at the server under test and returns its tracking URI."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        sys.exit("MLFLOW_TRACKING_URI is not set: point it at the tracking server under test (e.g. http://127.0.0.1:5000)")
    mlflow.set_tracking_uri(uri)
    return uri


def unique(prefix):
    """A name no other run of any script has used."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def shown(value, limit=300):
    """A value as the failure message shows it: its repr, long ones cut in the middle."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit // 2]}...({len(text)} characters)...{text[-limit // 2 :]}"


def same(value, expected):
    """Equality that also holds for NaN against NaN."""
    if isinstance(value, float) and isinstance(expected, float) and math.isnan(value) and math.isnan(expected):
        return True
    return value == expected


def expect(what, value, expected):
    """Fails unless value equals expected (lists and dicts compared whole)."""
    if isinstance(value, list) and isinstance(expected, list) and len(value) == len(expected):
        if all(same(v, e) for v, e in zip(value, expected)):
            return value
    elif same(value, expected):
        return value
    raise AssertionError(f"{what}: expected {shown(expected)}, got {shown(value)}")


def check(what, condition, got=None):
    """Fails with what was expected, and what came back, unless condition holds."""
    if not condition:
        raise AssertionError(f"{what}; got {shown(got)}" if got is not None else what)


def error_of(what, call, code, *, contains=None):
    """Runs call, which must fail with an MlflowException of error_code `code` (and a message
    containing `contains`); returns the error's code and message for the report."""
    try:
        result = call()
    except MlflowException as err:
        expect(f"{what}: error_code", err.error_code, code)
        if contains is not None:
            check(f"{what}: the message should mention {contains!r}", contains in err.message, err.message)
        return {"code": err.error_code, "message": server_message(err)}
    raise AssertionError(f"{what}: expected an MlflowException with error_code {code}, but the call succeeded and returned {shown(result)}")


def server_message(err):
    """The message as the server gave it: the client appends a long how-to to param errors."""
    return err.message.replace(PARAM_VALIDATION_MSG, "")


def report(facts):
    json.dump(facts, sys.stdout, default=str, allow_nan=False)
    sys.stdout.write("\n")
