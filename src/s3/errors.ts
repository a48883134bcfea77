import { xmlDocument } from "./xml.ts";

// S3 error documents. Every failure on /s3 answers the way S3 does, so that boto3, the AWS CLI
// and the other clients show their usual messages and retry only what S3 would let them retry:
//
//   <Error><Code>NoSuchKey</Code><Message>…</Message><Resource>…</Resource><RequestId>…</RequestId></Error>
//
// Messages follow the Plinth habit of saying what to do next, inside the one Message field
// clients print.

const STATUS = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BucketAlreadyOwnedByYou: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidObjectName: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedXML: 400,
  MetadataTooLarge: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
  // As Ceph's RADOS Gateway answers a full quota: clients show the code and message and do not retry.
  QuotaExceeded: 403,
  RequestTimeTooSkewed: 403,
  SignatureDoesNotMatch: 403,
  XAmzContentSHA256Mismatch: 400,
} as const;

export type S3ErrorCode = keyof typeof STATUS;

export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly status: number;
  /** More elements of the error document (Key, BucketName, UploadId, ArgumentName…). */
  readonly fields: Record<string, string>;
  /** Extra response headers (Content-Range on a 416). */
  readonly headers: Record<string, string>;

  constructor(code: S3ErrorCode, message: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    super(message);
    this.name = "S3Error";
    this.code = code;
    this.status = STATUS[code];
    this.fields = fields;
    this.headers = headers;
  }
}

export function errorDocument(error: S3Error, resource: string, requestId: string): string {
  return xmlDocument("Error", { Code: error.code, Message: error.message, ...error.fields, Resource: resource, RequestId: requestId });
}

/** The errors a client meets most, with their usual words. */
export const s3errors = {
  noSuchBucket: (bucket: string) =>
    new S3Error(
      "NoSuchBucket",
      `The specified bucket does not exist: there is no team '${bucket}' you belong to. Buckets are Plinth teams; \`plinth teams ls\` lists them.`,
      { BucketName: bucket },
    ),
  noSuchKey: (key: string) => new S3Error("NoSuchKey", "The specified key does not exist.", { Key: key }),
  noSuchUpload: (uploadId: string) =>
    new S3Error("NoSuchUpload", "The specified multipart upload does not exist: it may have been completed or aborted.", { UploadId: uploadId }),
  accessDenied: (why: string) => new S3Error("AccessDenied", `Access Denied: ${why}`),
  invalidArgument: (name: string, value: string, message: string) =>
    new S3Error("InvalidArgument", message, { ArgumentName: name, ArgumentValue: value.slice(0, 200) }),
};
