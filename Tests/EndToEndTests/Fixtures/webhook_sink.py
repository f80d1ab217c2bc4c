#!/usr/bin/python3
"""Webhook receiver for tether's end-to-end tests (python3 standard library only).

Appends every request it receives to --log FILE as one JSON line (written before it answers):

    {"seq": 1, "pid": 123, "received_at": 1700000000.123, "method": "POST", "path": "/hook",
     "headers": [["Content-Type", "application/json"], ...], "body_base64": "...",
     "json": {...} or null, "mode": "ok", "status": 200 or null (no answer: hang),
     "signature_valid": true/false or null (no --secret), "signature_problem": "..." or null}

and, once the client of a hung request (below) gives up and closes its connection,
`{"hang_ended": SEQ, "pid": PID, "at": TIME}`. It answers as the mode in --mode-file says. The
file is read again for every request, so a test changes the behaviour at run time without
restarting the receiver; a missing or empty file means `ok`. Modes:

    ok             200 {"status":"ok"}
    fail           503
    throttle N     429 with `Retry-After: N`
    reject         400
    hang           no answer at all; the connection is held open until the client closes it

ThreadingHTTPServer: a hung request never keeps the others waiting. HTTP/1.1 with keep-alive, as
webhook clients pool their connections; request bodies by Content-Length or chunked.

With --secret whsec_BASE64 each request's Standard Webhooks signature is checked: HMAC-SHA256 with
the base64-decoded secret over `webhook-id + "." + webhook-timestamp + "." + body`, base64, one of
the space-separated `v1,SIG` entries of `webhook-signature`.

Usage: webhook_sink.py --port P --log FILE --mode-file FILE [--host H] [--secret whsec_...]
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import itertools
import json
import os
import select
import sys
import threading
import time


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True, help="append one JSON line per request to this file")
    p.add_argument("--mode-file", required=True, help="read the answering mode from this file, per request")
    p.add_argument("--secret", help="Standard Webhooks secret (whsec_BASE64) to verify signatures with")
    return p.parse_args()


ARGS = parse_args()
LOG_LOCK = threading.Lock()
SEQUENCE = itertools.count(1)


def read_mode() -> tuple[str, int]:
    """The current mode and its argument (throttle's Retry-After), `ok` when no file says otherwise."""
    try:
        with open(ARGS.mode_file, encoding="utf-8") as f:
            words = f.read().split()
    except FileNotFoundError:
        words = []
    if not words:
        return "ok", 0
    name = words[0]
    argument = int(words[1]) if len(words) > 1 else 0
    if name not in ("ok", "fail", "throttle", "reject", "hang"):
        print(f"webhook_sink: unknown mode {name!r} in {ARGS.mode_file}, answering 500", file=sys.stderr, flush=True)
    return name, argument


def verify_signature(headers, body: bytes) -> tuple[bool | None, str | None]:
    if not ARGS.secret:
        return None, None
    secret = ARGS.secret
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    try:
        key = base64.b64decode(secret, validate=True)
    except ValueError:
        return False, "the secret given to the sink is not base64 after whsec_"
    message_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    missing = [name for name, value in (("webhook-id", message_id), ("webhook-timestamp", timestamp),
                                        ("webhook-signature", signatures)) if value is None]
    if missing:
        return False, "missing header " + ", ".join(missing)
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    versions = []
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        versions.append(version)
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True, None
    if "v1" not in versions:
        return False, f"no v1 signature in webhook-signature: {signatures!r}"
    return False, f"no v1 signature matches (expected v1,{expected})"


def append_log(record: dict) -> None:
    line = json.dumps(record, separators=(",", ":")) + "\n"
    with LOG_LOCK:
        with open(ARGS.log, "a", encoding="utf-8") as f:
            f.write(line)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhook_sink/1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def handle_any(self):
        body = self.read_body()
        mode, argument = read_mode()
        status = {"ok": 200, "fail": 503, "throttle": 429, "reject": 400, "hang": None}.get(mode, 500)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        valid, problem = verify_signature(self.headers, body)
        record = {
            "seq": next(SEQUENCE),
            "pid": os.getpid(),
            "received_at": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body_base64": base64.b64encode(body).decode(),
            "json": parsed,
            "mode": mode if argument == 0 else f"{mode} {argument}",
            "status": status,
            "signature_valid": valid,
            "signature_problem": problem,
        }
        append_log(record)
        if status is None:
            self.hang(record["seq"])
            return
        answer = json.dumps({"status": mode}).encode()
        self.send_response(status)
        if mode == "throttle":
            self.send_header("Retry-After", str(argument))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def hang(self, sequence: int):
        """Holds the connection without answering until the client closes it, then logs when."""
        self.close_connection = True
        while True:
            readable, _, _ = select.select([self.connection], [], [], 0.1)
            if readable:
                try:
                    if not self.connection.recv(4096):
                        break
                except OSError:
                    break
        append_log({"hang_ended": sequence, "pid": os.getpid(), "at": time.time()})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of deliveries must not find the listen backlog (5) full


def main() -> None:
    server = Server((ARGS.host, ARGS.port), Handler)
    print(f"listening on {ARGS.host}:{ARGS.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
