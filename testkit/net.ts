import { createServer } from 'node:net';

/** First port handed out: below Linux's ephemeral range (32768-60999), where port 0 and outgoing connections draw from. */
const FIRST_PORT = 20_000;
/** Ports per vitest worker, and how many workers get a slice of their own (17 x 700 ends at 31,899). */
const SLICE = 700;
const SLICES = 17;
const slice = Number(process.env.VITEST_POOL_ID ?? 0) % SLICES;
/** Where this process starts in its slice: a child of a test shares its slice, not its offset. */
let next = process.pid % SLICE;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (for child processes that need a fixed PORT).
 * Each vitest worker takes ports from a slice of its own. With port 0 a full run once got a 404
 * from a service without the test's route: most likely two test files running at once were handed
 * the same just-freed port, one file's service could not bind it and the other's answered.
 */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < SLICE; tried++) {
    const port = FIRST_PORT + slice * SLICE + (next++ % SLICE);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${FIRST_PORT + slice * SLICE}-${FIRST_PORT + slice * SLICE + SLICE - 1}`);
}
