// npm postinstall: applies riskstream's fixes to dependencies (scripts/dependency-patches/). Each patch
// names the exact version it was written for and the SHA-256 of the file it replaces; anything else is
// refused loudly, so a dependency upgrade can never silently keep or drop a fix.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PATCHES = [
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/consumer/filterAbortedMessages.js',
    originalSha256: '54ce50f2a41ee1686da8b73bf8b502c7dd07c9d7cb0a494cdb36a7fc536ced8e',
    replacement: 'scripts/dependency-patches/kafkajs-filter-aborted-messages.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/producer/eosManager/index.js',
    originalSha256: 'a74ae029d7aa786b8616b77f922d30a81bec2833878769dbfa6b4a9dab66db22',
    replacement: 'scripts/dependency-patches/kafkajs-eos-manager.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/producer/groupMessagesPerPartition.js',
    originalSha256: 'ea72357721fbf67770b5e06b9bf4260faa1e60f3affb556bff2cc7892c1881fb',
    replacement: 'scripts/dependency-patches/kafkajs-group-messages-per-partition.cjs',
  },
];

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
let failed = false;
for (const p of PATCHES) {
  const pkgDir = join(ROOT, 'node_modules', p.pkg);
  if (!existsSync(pkgDir)) continue; // not installed (e.g. a partial install): nothing to patch
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  const target = join(pkgDir, p.file);
  const current = readFileSync(target, 'utf8');
  const replacement = readFileSync(join(ROOT, p.replacement), 'utf8');
  if (current === replacement) continue; // already patched
  if (version !== p.version || sha256(current) !== p.originalSha256) {
    console.error(`patch-dependencies: ${p.pkg}@${version} ${p.file} is not the file this patch was written for (${p.pkg}@${p.version}, sha256 ${p.originalSha256}); review ${p.replacement} against it`);
    failed = true;
    continue;
  }
  writeFileSync(target, replacement);
  console.log(`patch-dependencies: ${p.pkg}@${version} ${p.file} <- ${p.replacement}`);
}
process.exit(failed ? 1 : 0);
