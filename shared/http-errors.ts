/** The JSON error body every HTTP function answers with: `{ "error": { "code", "message" } }`. */
import { BadRequestError } from './errors';

export interface ErrorResponse {
  status: number;
  jsonBody: { error: { code: string; message: string } };
}

export function errorResponse(status: number, code: string, message: string): ErrorResponse {
  return { status, jsonBody: { error: { code, message } } };
}

export function fromBadRequest(error: BadRequestError): ErrorResponse {
  return errorResponse(error.status, error.code, error.message);
}
