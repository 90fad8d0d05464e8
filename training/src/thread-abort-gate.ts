/**
 * When a training thread may be terminated: never while onnxruntime-node has a call in flight.
 *
 * Worker.terminate() stops a thread's JavaScript at once, which is what aborting a training wants (a
 * half-trained model is worthless). But onnxruntime-node runs its calls on native threads that call back
 * into JavaScript; when one completes in a thread being torn down, the addon throws a C++ exception
 * (Napi::Error) that nothing catches, and the whole process aborts. So a thread marks its onnxruntime
 * calls (`nativeSection`) on a gate shared with its caller, and the caller terminates only outside them:
 *
 *   (thread loading its modules)    NATIVE ------ thread joins the gate -----------> JS
 *   JS ------ thread enters a section ------> NATIVE ------ thread leaves it ------> JS
 *   JS ------ caller stops -----------------> STOPPING (terminate now; no section can start)
 *   NATIVE -- caller stops -----------------> STOP_REQUESTED -- thread leaves --> STOPPING
 *
 * Outside a thread (no gate joined) a section is just the call.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@riskstream/shared';

const JS = 0;
const NATIVE = 1;
const STOP_REQUESTED = 2;
const STOPPING = 3;

/**
 * The caller's side: one per thread, its buffer passed to the thread. A thread starts inside a section:
 * terminating it while it loads its modules (onnxruntime-node's binding among them) aborts the process
 * too, so it becomes stoppable when it joins the gate, after its imports.
 */
export class AbortGate {
  readonly buffer = new SharedArrayBuffer(4);
  readonly #state = new Int32Array(this.buffer);

  constructor() {
    Atomics.store(this.#state, 0, NATIVE);
  }

  /**
   * Resolves once the thread is outside every section and can start none (terminate it then), or once
   * `exited` resolves: a thread that died inside a section never leaves it.
   */
  async stopped(exited: Promise<void>, pollMs = 10): Promise<void> {
    let gone = false;
    void exited.then(() => (gone = true));
    while (!gone) {
      const state = Atomics.compareExchange(this.#state, 0, JS, STOPPING);
      if (state === JS || state === STOPPING) return;
      if (state === NATIVE) Atomics.compareExchange(this.#state, 0, NATIVE, STOP_REQUESTED);
      await sleep(pollMs);
    }
  }
}

let joined: Int32Array | undefined;
let depth = 0;

/** The thread's side: called once its modules are loaded, with the buffer its caller passed. */
export function joinAbortGate(buffer: SharedArrayBuffer): void {
  joined = new Int32Array(buffer);
  leave(joined);
}

/** Runs an onnxruntime call so that the thread is not terminated while it is in flight; refused (SHUTDOWN) once a stop is requested. */
export async function nativeSection<T>(call: () => Promise<T>): Promise<T> {
  const gate = joined;
  if (!gate) return call();
  if (!enter(gate)) throw new AppError('SHUTDOWN', 'the thread is being stopped');
  depth++;
  try {
    return await call();
  } finally {
    if (--depth === 0) leave(gate);
  }
}

/** Out of the section (or the loading); a stop requested meanwhile can go ahead now. */
function leave(gate: Int32Array): void {
  if (Atomics.compareExchange(gate, 0, NATIVE, JS) === STOP_REQUESTED) Atomics.store(gate, 0, STOPPING);
}

/** False once the caller is stopping the thread: no new section may start. */
function enter(gate: Int32Array): boolean {
  if (depth > 0) return Atomics.load(gate, 0) === NATIVE;
  return Atomics.compareExchange(gate, 0, JS, NATIVE) === JS;
}
