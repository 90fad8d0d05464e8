/**
 * Child-process half of the thread abort test (a process abort would take the test runner down with it):
 * starts onnx-loop-thread.ts, aborts it `argv[2]` ms after its first progress message, and prints how
 * the call ended.
 */
import { callThread } from '../../training/src/thread-call.ts';

const delayMs = Number(process.argv[2]);
const controller = new AbortController();
const started = Date.now();
try {
  await callThread(new URL('./onnx-loop-thread.ts', import.meta.url), null, {
    label: 'onnx loop',
    progress: () => setTimeout(() => controller.abort(), delayMs),
    abort: { signal: controller.signal, before: 'aborted before start', during: 'aborted while scoring' },
  });
  console.log('resolved');
} catch (err) {
  const e = err as { code?: string; message: string };
  console.log(JSON.stringify({ code: e.code, message: e.message, ms: Date.now() - started }));
}
