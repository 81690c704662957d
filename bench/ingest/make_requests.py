#!/usr/bin/env python3
"""Writes a pool of Standard Webhooks-signed requests for ingest.lua.

usage: make_requests.py SECRET COUNT PREFIX OUT

One line per request, tab-separated: webhook-id, webhook-timestamp,
webhook-signature, body. Every id is unique (PREFIX-<n>), the timestamp is
now, and the signature is v1,base64(HMAC-SHA256(key, id.timestamp.body)) with
key = base64-decode(SECRET without "whsec_"), computed here with Python's own
hmac so the hub's signer is not checking itself.
"""
import base64
import hashlib
import hmac
import json
import sys
import time


def main() -> None:
    secret, count, prefix, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    ts = str(int(time.time()))
    with open(out, "w", encoding="utf-8") as f:
        for n in range(count):
            msg_id = f"{prefix}-{n}"
            body = json.dumps(
                {
                    "type": "appointment.updated",
                    "correlation": f"Appointment/{prefix}-{n}",
                    "occurred_at": "2026-03-01T09:30:00Z",
                    "payload": {"status": "booked", "practitioner": "Practitioner/3",
                                "note": "تم تأكيد الموعد"},
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            mac = hmac.new(key, f"{msg_id}.{ts}.{body}".encode(), hashlib.sha256).digest()
            f.write(f"{msg_id}\t{ts}\tv1,{base64.b64encode(mac).decode()}\t{body}\n")


if __name__ == "__main__":
    main()
