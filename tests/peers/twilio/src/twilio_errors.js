'use strict';
// Twilio's REST error shape: {"code", "message", "more_info", "status"}.

class TwilioError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }

  body() {
    return {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.status,
    };
  }
}

const errors = {
  authenticate: () => new TwilioError(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' }),
  notFound: (what) => new TwilioError(404, 20404, `The requested resource ${what} was not found`),
  invalid: (message) => new TwilioError(400, 53123, message),
  roomExists: () => new TwilioError(400, 53113, 'Room exists'),
  roomNotCompleted: () => new TwilioError(400, 53150, 'Room must be completed before it can be composed'),
  mediaNotReady: () => new TwilioError(404, 53208, 'The composition media is not available yet'),
  methodNotAllowed: () => new TwilioError(405, 20004, 'Method not allowed'),
};

module.exports = { TwilioError, errors };
