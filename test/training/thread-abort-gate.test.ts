import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AbortGate, joinAbortGate, nativeSection } from '../../training/src/thread-abort-gate.ts';

/** Resolved or not, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setTimeout(r, 30));
  return done;
}

const refused = (e: unknown) => (e as { code?: string }).code === 'SHUTDOWN';
const never = new Promise<void>(() => undefined);

describe('AbortGate', () => {
  // The thread's side is module state, so this process plays the thread, joining one gate per test.
  it('a thread that has not joined yet (still loading its modules) is stopped only once it joins', async () => {
    const gate = new AbortGate();
    const stopped = gate.stopped(never, 5);
    assert.equal(await settled(stopped), false, 'not stopped while loading');
    joinAbortGate(gate.buffer);
    await stopped;
    await assert.rejects(nativeSection(async () => undefined), refused, 'a stopped thread starts no section');
  });

  it('stops waiting when the thread exits inside a section (it died there and will never leave it)', async () => {
    const gate = new AbortGate();
    let exit!: () => void;
    const stopped = gate.stopped(new Promise<void>((r) => (exit = r)), 5);
    assert.equal(await settled(stopped), false);
    exit();
    await stopped;
  });

  it('stops at once outside a section, waits for a section in flight, and then lets no section start', async () => {
    const gate = new AbortGate();
    joinAbortGate(gate.buffer);
    assert.equal(await nativeSection(async () => 7), 7, 'a section runs and returns its value');

    let finish!: () => void;
    const inFlight = nativeSection(() => new Promise<void>((r) => (finish = r)));
    const nested = nativeSection(async () => 'nested');
    assert.equal(await nested, 'nested', 'a section inside a section runs');
    const stopped = gate.stopped(never, 5);
    assert.equal(await settled(stopped), false, 'not stopped while the section is in flight');
    await assert.rejects(nativeSection(async () => undefined), refused, 'no new section starts once a stop is requested');
    finish();
    await inFlight;
    await stopped;
    await assert.rejects(nativeSection(async () => undefined), refused, 'no section starts after the stop');
    await gate.stopped(never, 5);
  });
});

describe('callThread abort', () => {
  const script = fileURLToPath(new URL('../support/onnx-loop-abort.ts', import.meta.url));
  // Terminating a thread with an onnxruntime call in flight used to abort the process (Napi::Error).
  for (const delayMs of [0, 100, 150, 200, 300, 400]) {
    it(`a thread scoring with onnxruntime in a loop, aborted ${delayMs} ms in, rejects with SHUTDOWN and the process lives`, async () => {
      const env = { ...process.env };
      delete env['NODE_TEST_CONTEXT'];
      const child = spawn(process.execPath, [script, String(delayMs)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('exit', (c, s) => r([c, s])));
      assert.equal(signal, null, `killed by ${signal}: ${out}${err}`);
      assert.equal(code, 0, `${out}${err}`);
      assert.equal(err, '');
      const ended = JSON.parse(out.trim()) as { code: string; message: string };
      assert.deepEqual([ended.code, ended.message], ['SHUTDOWN', 'aborted while scoring']);
    });
  }
});
