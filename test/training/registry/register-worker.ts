/**
 * Child-process entry for the registry concurrency and crash tests:
 *   node register-worker.ts <root> <count>
 * registers <count> versions of "fraud" (count 0 = forever) and prints each version number.
 */
import { ModelRegistry } from '../../../training/src/registry/model-registry.ts';
import { draft, onnxBytes } from './registry-fixtures.ts';

const [root, countArg] = process.argv.slice(2);
const registry = await ModelRegistry.open(root!);
const count = Number(countArg ?? '1');
const onnx = onnxBytes();
for (let i = 0; count === 0 || i < count; i++) {
  const version = await registry.register('fraud', { onnx, manifest: draft(), reportHtml: '<p>report</p>'.repeat(2000) });
  process.stdout.write(`${version}\n`);
}
