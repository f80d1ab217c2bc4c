#!/usr/bin/python3
"""TLS line peer for tether's tls:// end-to-end tests (standard library only).

Every line `PING` is answered with `PONG\n`; any other line is echoed back. Prints `ready` on
stdout once it listens.

Usage: tls_line_server.py --port P --tls-cert F --tls-key F [--host H]
"""

import argparse
import asyncio
import signal
import ssl


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls-cert", required=True)
    p.add_argument("--tls-key", required=True)
    args = p.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.tls_cert, args.tls_key)

    async def serve_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                if line.rstrip(b"\r\n") == b"PING":
                    writer.write(b"PONG\n")
                else:
                    writer.write(line if line.endswith(b"\n") else line + b"\n")
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))

    server = await asyncio.start_server(serve_client, args.host, args.port, ssl=context)
    async with server:
        print("ready", flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(main())
