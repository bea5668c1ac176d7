"""Outbound benchmark: what the outbox-backed sender costs per webhook, against the same webhooks posted
straight with httpx (the baseline, measured in the same run against the same receiver).

- baseline: N signed POSTs (Standard Webhooks headers) with httpx, --concurrency at a time;
- enqueue: N `outbound.enqueue` calls in transactions of --batch messages;
- sender: one `OutboundSender` drains the N messages (leased claims, the SSRF check after resolving, the
  POST, the attempt recorded with its log row) with the same concurrency.

The receiver is a small asyncio HTTP server in its own process answering 204, so that it takes no CPU
from the measured process. Reported: messages/s and CPU ms per message of this process.

    .venv/bin/python bench/outbound_webhooks.py                  # SQLite and PostgreSQL, 2,000 messages, 3 runs
    .venv/bin/python bench/outbound_webhooks.py --smoke          # a few seconds, SQLite only
    .venv/bin/python bench/outbound_webhooks.py --json bench/results/outbound.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from platformkit import outbound
from platformkit.db import Database
from platformkit.outbound.guard import parse_networks
from platformkit.outbound.webhook import WebhookAdapter, sign
from platformkit.tables import platform_metadata
from platformkit.testing.databases import postgres_schema_url, postgres_unavailable_reason, sqlite_url

SECRET = outbound.new_webhook_secret()
PAYLOAD = {"type": "order.ready", "data": {"order_id": "o-123456", "merchant_id": "m-42", "note": "x" * 200}}


def serve(port_queue: Any) -> None:
    """The receiver: HTTP/1.1 keep-alive, every request answered 204."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port_queue.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def cpu() -> float:
    return time.process_time()


async def baseline(url: str, count: int, concurrency: int) -> dict[str, float]:
    body = json.dumps(PAYLOAD).encode()
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(trust_env=False) as http:

        async def post(n: int) -> None:
            async with limit:
                message_id, stamp = f"msg-{n}", int(time.time())
                headers = {"webhook-id": message_id, "webhook-timestamp": str(stamp),
                           "webhook-signature": sign(SECRET, message_id, stamp, body),
                           "content-type": "application/json"}
                response = await http.post(url, content=body, headers=headers)
                assert response.status_code == 204

        started, cpu_started = time.perf_counter(), cpu()
        await asyncio.gather(*(post(n) for n in range(count)))
        wall, used = time.perf_counter() - started, cpu() - cpu_started
    return {"messages_per_second": count / wall, "cpu_ms_per_message": used * 1000 / count}


async def through_the_sender(url: str, database_url: str, count: int, batch: int, concurrency: int) -> dict[str, float]:
    db = Database(database_url, pool_size=concurrency + 2)
    await db.create_all(platform_metadata)
    try:
        started, cpu_started = time.perf_counter(), cpu()
        for first in range(0, count, batch):
            async with db.transaction() as session:
                for n in range(first, min(first + batch, count)):
                    await outbound.enqueue(session, channel="webhook", target=url, payload=PAYLOAD,
                                           dedupe_key=f"order-ready:{n}", params={"secret": SECRET})
        enqueue_wall, enqueue_cpu = time.perf_counter() - started, cpu() - cpu_started

        adapter = WebhookAdapter(allowed_networks=parse_networks(["127.0.0.0/8"]))
        sender = outbound.OutboundSender(
            db, {"webhook": adapter}, options=outbound.SenderOptions(batch_size=50, concurrency=concurrency)
        )
        started, cpu_started = time.perf_counter(), cpu()
        sent = 0
        while tried := await sender.run_once():
            sent += tried
        wall, used = time.perf_counter() - started, cpu() - cpu_started
        await adapter.close()
        lag = await outbound.outbound_lag(db)
        assert sent == count and lag.pending == 0 and lag.failed == 0, (sent, lag)
    finally:
        await db.dispose()
    return {
        "enqueue_per_second": count / enqueue_wall,
        "enqueue_cpu_ms_per_message": enqueue_cpu * 1000 / count,
        "messages_per_second": count / wall,
        "cpu_ms_per_message": used * 1000 / count,
    }


def median(rows: Sequence[dict[str, float]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="100 messages, one run, SQLite only")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100, help="messages enqueued per transaction")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)
    count, runs = (100, 1) if args.smoke else (args.messages, args.runs)
    databases = ["sqlite"] if args.smoke or postgres_unavailable_reason() is not None else ["sqlite", "postgresql"]

    ports: Any = multiprocessing.get_context("spawn").Queue()
    receiver = multiprocessing.get_context("spawn").Process(target=serve, args=(ports,), daemon=True)
    receiver.start()
    url = f"http://127.0.0.1:{ports.get(timeout=30)}/hooks"
    report: dict[str, Any] = {
        "smoke": args.smoke, "messages": count, "runs": runs, "concurrency": args.concurrency,
        "environment": {"nproc": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()},
        "summary": [],
    }
    try:
        base = [asyncio.run(baseline(url, count, args.concurrency)) for _ in range(runs)]
        print(f"SUMMARY baseline   {median(base, 'messages_per_second'):8.0f} msg/s "
              f"{median(base, 'cpu_ms_per_message'):6.2f} CPU ms/msg (httpx straight)")
        report["summary"].append({"mode": "baseline", "database": None,
                                  "messages_per_second": median(base, "messages_per_second"),
                                  "cpu_ms_per_message": median(base, "cpu_ms_per_message")})
        for database in databases:
            rows = []
            for _ in range(runs):
                with ExitStack() as stack:
                    if database == "sqlite":
                        database_url = sqlite_url(Path(stack.enter_context(tempfile.TemporaryDirectory())))
                    else:
                        database_url = stack.enter_context(postgres_schema_url())
                    rows.append(asyncio.run(through_the_sender(url, database_url, count, args.batch, args.concurrency)))
            summary = {key: median(rows, key) for key in rows[0]}
            print(f"SUMMARY {database:10s} {summary['messages_per_second']:8.0f} msg/s "
                  f"{summary['cpu_ms_per_message']:6.2f} CPU ms/msg (sender); enqueue "
                  f"{summary['enqueue_per_second']:8.0f} msg/s {summary['enqueue_cpu_ms_per_message']:6.2f} CPU ms/msg")
            report["summary"].append({"mode": "sender", "database": database, **summary})
    finally:
        receiver.terminate()
        receiver.join(timeout=10)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
