"""An asyncio MLLP listener: many connections at once, each message filed in a worker thread (the
ORM is synchronous) and answered with its ACK on the same connection; a clean stop on request.

Framing is the `hl7` package's MLLP stream reader (<VT> message <FS><CR>). Nothing a sender does
crashes the listener: an over-long message or a block without its start character answers AR,
and a connection that breaks only ends that connection.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from hl7.mllp import InvalidBlockError, start_hl7_server

from ..limits import HL7_MAX_MESSAGE_BYTES
from .ack import Problem, build_ack

logger = logging.getLogger(__name__)
#: A worker thread's connection idle longer than this is checked before it is used again.
IDLE_CHECK_SECONDS = 30


def _too_big_ack() -> bytes:
    reason = f"the message is over {HL7_MAX_MESSAGE_BYTES:,} bytes"
    return build_ack(None, "AR", reason, [Problem("MSH", 1, 0, "207", reason)]).encode()


def _bad_block_ack() -> bytes:
    reason = "an MLLP block must begin with <VT> (0x0B) and end with <FS><CR> (0x1C 0x0D)"
    return build_ack(None, "AR", reason, [Problem("MSH", 1, 0, "100", reason)]).encode()


class MllpListener:
    """Serve `handle(raw bytes) -> ACK str` (a blocking function) over MLLP on host:port."""

    def __init__(self, handle, *, host: str = "127.0.0.1", port: int = 2575, workers: int = 4):
        self.handle = handle
        self.host, self.port = host, port
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hl7")
        self.server: asyncio.AbstractServer | None = None
        self.connections: set[asyncio.StreamWriter] = set()
        self.in_flight: set[asyncio.Future] = set()
        self.stopping = False
        self._local = threading.local()

    async def start(self) -> int:
        self.server = await start_hl7_server(self._serve, self.host, self.port, limit=HL7_MAX_MESSAGE_BYTES + 3)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    def _process(self, block: bytes) -> bytes:
        """File one message in a worker thread. The thread keeps its database connection between
        messages (a new connection per message would cost more than the message); one idle for a
        while is checked first, and one that failed is dropped so that the next message reconnects."""
        idle = time.monotonic() - getattr(self._local, "last_used", 0.0)
        if idle > IDLE_CHECK_SECONDS and connection.connection is not None and not connection.is_usable():
            connection.close()
        try:
            return self.handle(block).encode("utf-8")
        except Exception:
            logger.exception("an HL7 message could not be filed")
            connection.close()
            reason = "the message could not be processed (an internal error); send it again later"
            return build_ack(None, "AR", reason, [Problem("MSH", 1, 0, "207", reason)]).encode()
        finally:
            self._local.last_used = time.monotonic()

    async def _serve(self, reader, writer) -> None:
        self.connections.add(writer)
        loop = asyncio.get_running_loop()
        skipping_tail = False  # after an over-long message, the rest of it arrives as a block without <VT>
        try:
            while not self.stopping:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    break  # the sender closed the connection
                except InvalidBlockError:
                    if not skipping_tail:
                        writer.writeblock(_bad_block_ack())
                    skipping_tail = False
                    await writer.drain()
                    continue
                except ValueError:  # over the size limit
                    writer.writeblock(_too_big_ack())
                    skipping_tail = True
                    await writer.drain()
                    continue
                skipping_tail = False
                work = loop.run_in_executor(self.executor, self._process, block)
                self.in_flight.add(work)
                try:
                    ack = await asyncio.shield(work)
                finally:
                    self.in_flight.discard(work)
                writer.writeblock(ack)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:
            logger.exception("MLLP connection failed")
        finally:
            self.connections.discard(writer)
            writer.close()

    async def stop(self) -> None:
        """Stop accepting, let the messages being filed finish and answer, then close every connection."""
        self.stopping = True
        if self.server is not None:
            self.server.close()
        if self.in_flight:
            await asyncio.wait(list(self.in_flight), timeout=30)
        await asyncio.sleep(0.05)  # let the ACKs of finished messages be written
        for writer in list(self.connections):
            writer.close()
        if self.server is not None:
            await self.server.wait_closed()
        await asyncio.get_running_loop().run_in_executor(None, self._close_worker_connections)
        self.executor.shutdown(wait=True)

    def _close_worker_connections(self) -> None:
        """Close each worker thread's database connection (each thread must close its own): one task per
        thread, held at a barrier so that no thread takes two."""
        workers = self.executor._max_workers
        barrier = threading.Barrier(workers)

        def close() -> None:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            connection.close()

        for done in [self.executor.submit(close) for _ in range(workers)]:
            done.result(timeout=30)
