/**
 * A process's live heap: a full collection forced through its inspector (the soak starts its children
 * with --inspect on a loopback port of their own), then V8's used heap size. A heap sampled between
 * collections is wherever its sawtooth happened to be; what survives a full collection is what a leak
 * would grow. Bench-only: services never run with the inspector open.
 */

/** The inspector's WebSocket URL that `node --inspect` prints on stderr, once it has printed it. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

const TIMEOUT_MS = 15_000;

/** Forces a full collection in the process behind `url` and returns its used heap after it (bytes); NaN when it cannot. */
export async function heapAfterGc(url: string): Promise<number> {
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`inspector ${url} refused the connection`)), { once: true });
    });
    const call = inspectorCaller(ws);
    await call('HeapProfiler.collectGarbage');
    const usage = (await call('Runtime.getHeapUsage')) as { usedSize?: number };
    return typeof usage.usedSize === 'number' ? usage.usedSize : Number.NaN;
  } catch {
    return Number.NaN;
  } finally {
    ws.close();
  }
}

/** Chrome DevTools Protocol calls over one socket: each resolves with its result, rejects on an error or a timeout. */
function inspectorCaller(ws: WebSocket): (method: string) => Promise<unknown> {
  let nextId = 1;
  const pending = new Map<number, (reply: { result?: unknown; error?: { message: string } }) => void>();
  ws.addEventListener('message', (e) => {
    const reply = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (reply.id !== undefined) pending.get(reply.id)?.(reply);
  });
  return (method) => new Promise((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => reject(new Error(`${method}: no reply in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    pending.set(id, (reply) => {
      clearTimeout(timer);
      pending.delete(id);
      if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
      else resolve(reply.result);
    });
    ws.send(JSON.stringify({ id, method }));
  });
}
