'use strict';
// Errors in the shapes the botocore models declare: rest-json services answer
// {Code, Message, RequestId} with x-amzn-ErrorType naming the exception; S3
// answers an <Error> XML document.

const crypto = require('node:crypto');

class AwsError extends Error {
  // kind: 'BadRequest' | 'Forbidden' | 'NotFound' | 'Conflict' | 'LimitExceeded' |
  //       'ResourceLimitExceeded' | 'Throttling' | 'ServiceUnavailable' | 'ServiceFailure' |
  //       'Unauthorized' | 'UnprocessableEntity'
  constructor(kind, message, { retryAfterSeconds } = {}) {
    super(message);
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const STATUS = {
  BadRequest: 400,
  LimitExceeded: 400,
  ResourceLimitExceeded: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  UnprocessableEntity: 422,
  Throttling: 429,
  ServiceFailure: 500,
  ServiceUnavailable: 503,
};

// The exception shape name per service model ("meetings" or "pipelines").
function exceptionName(kind, api) {
  if (api === 'pipelines') {
    if (kind === 'Throttling') return 'ThrottledClientException';
    if (kind === 'Unauthorized') return 'UnauthorizedClientException';
  }
  return `${kind}Exception`;
}

function newRequestId() {
  return crypto.randomUUID();
}

// Writes an AwsError as a rest-json error response.
function sendJsonError(res, err, api, requestId = newRequestId()) {
  const status = STATUS[err.kind] || 500;
  const headers = {
    'Content-Type': 'application/json',
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': exceptionName(err.kind, api),
  };
  if (err.retryAfterSeconds !== undefined) headers['Retry-After'] = String(err.retryAfterSeconds);
  const body = JSON.stringify({ Code: err.kind, Message: err.message, RequestId: requestId });
  headers['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(status, headers);
  res.end(body);
}

function xmlEscape(text) {
  return String(text).replace(/[<>&'"]/g, (c) => ({
    '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;',
  })[c]);
}

// Writes an S3 <Error> document. code: S3 error code (e.g. NoSuchKey).
function sendS3Error(res, status, code, message, { retryAfterSeconds, head = false } = {}) {
  const requestId = newRequestId().replace(/-/g, '').slice(0, 16).toUpperCase();
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>` +
    `<RequestId>${requestId}</RequestId></Error>`;
  const headers = {
    'Content-Type': 'application/xml',
    'x-amz-request-id': requestId,
    'Content-Length': Buffer.byteLength(body),
  };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  res.writeHead(status, headers);
  res.end(head ? undefined : body);
}

module.exports = { AwsError, sendJsonError, sendS3Error, newRequestId, xmlEscape, STATUS };
