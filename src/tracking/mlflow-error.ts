// MLflow's errors as its REST API answers them: {"error_code": "...", "message": "..."} with
// the HTTP status MLflow pairs with each code. MLflow's clients raise MlflowException from
// the error code, so the codes and statuses must be MLflow's own.

export type MlflowErrorCode =
  | "INVALID_PARAMETER_VALUE"
  | "RESOURCE_DOES_NOT_EXIST"
  | "RESOURCE_ALREADY_EXISTS"
  | "INVALID_STATE"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  | "BAD_REQUEST"
  | "MALFORMED_REQUEST"
  | "ENDPOINT_NOT_FOUND"
  | "INTERNAL_ERROR";

const STATUS: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  INVALID_STATE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  INTERNAL_ERROR: 500,
};

export class MlflowError extends Error {
  readonly code: MlflowErrorCode;
  readonly status: number;

  constructor(code: MlflowErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = STATUS[code];
  }

  toJSON(): { error_code: MlflowErrorCode; message: string } {
    return { error_code: this.code, message: this.message };
  }
}

export const invalidParameter = (message: string): MlflowError => new MlflowError("INVALID_PARAMETER_VALUE", message);
export const doesNotExist = (message: string): MlflowError => new MlflowError("RESOURCE_DOES_NOT_EXIST", message);
