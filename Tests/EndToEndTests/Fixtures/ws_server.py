#!/usr/bin/python3
"""WebSocket peer for tether's end-to-end tests (Debian's python3-websockets, 10.x legacy API).

Answers pings (the library does that itself), echoes every message, prints `ready` on stdout once
it listens. Its own keepalive pings stay off unless --ping-interval is given.

With --log-close FILE it appends one line per connection to FILE once that connection is closed:
the close code the client sent (1006 when the connection ended without a close frame), a space and
the request path.

Usage: ws_server.py --port P [--host H] [--tls-cert F --tls-key F] [--close-after-connect CODE]
                    [--ping-interval S] [--reject-status CODE] [--log-close FILE]
"""

import argparse
import asyncio
import http
import signal
import ssl
import sys

import websockets

try:  # The legacy (asyncio, `(path, headers)` hooks) API: websockets 10.x, still present up to 15.
    from websockets.legacy.server import serve
except ImportError:  # pragma: no cover - very old releases only had the top-level name
    from websockets import serve


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--close-after-connect", type=int, metavar="CODE",
                   help="close every connection with this close code right after the upgrade")
    p.add_argument("--ping-interval", type=float, metavar="S",
                   help="send our own pings every S seconds (and close with 1011 if unanswered for S seconds)")
    p.add_argument("--reject-status", type=int, metavar="CODE",
                   help="answer every upgrade request with this HTTP status instead of upgrading")
    p.add_argument("--log-close", metavar="FILE",
                   help="append the close code each client sent (1006: none) and the path to FILE")
    args = p.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    return args


async def main() -> None:
    args = parse_args()

    async def handler(websocket, path=None):
        try:
            if args.close_after_connect is not None:
                await websocket.close(code=args.close_after_connect, reason="closing as asked")
                return
            try:
                async for message in websocket:
                    await websocket.send(message)
            except websockets.ConnectionClosed:
                pass
        finally:
            if args.log_close:
                await log_close(websocket, path)

    async def log_close(websocket, path):
        # close_code is None until the closing handshake and the TCP close are both done.
        await websocket.wait_closed()
        code = websocket.close_code if websocket.close_code is not None else 1006
        with open(args.log_close, "a", encoding="utf-8") as log:
            log.write(f"{code} {path if path is not None else websocket.path}\n")

    async def process_request(path, request_headers):
        if args.reject_status is None:
            return None
        status = http.HTTPStatus(args.reject_status)
        return status, [("Content-Type", "text/plain")], f"{status.value} {status.phrase}\n".encode()

    ssl_context = None
    if args.tls_cert:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(args.tls_cert, args.tls_key)

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))

    async with serve(
        handler,
        args.host,
        args.port,
        ssl=ssl_context,
        process_request=process_request,
        ping_interval=args.ping_interval,
        ping_timeout=args.ping_interval,
        compression=None,
    ):
        print("ready", flush=True)
        await stop


if __name__ == "__main__":
    print(f"ws_server.py: websockets {websockets.__version__}, python {sys.version.split()[0]}",
          file=sys.stderr, flush=True)
    asyncio.run(main())
