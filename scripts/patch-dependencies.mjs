// npm postinstall: applies riskstream's fixes to dependencies (scripts/dependency-patches/). Each patch
// names the exact version it was written for and the SHA-256 of the file it replaces; anything else is
// refused loudly, so a dependency upgrade can never silently keep or drop a fix. A patch marked newFile
// adds a file the package does not have (kafkajs's KIP-447 protocol versions): it is created only in that
// exact version and only where no file exists, never written over one with other content. A file that is
// an earlier riskstream version of the same patch (same first line, naming package, version and file) is
// brought up to date, so changing a patch needs no reinstall.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/producer/sendMessages.js',
    originalSha256: '8a120e6993955e040a13014cccebd79b8d41e7355d6eda1065fa83fea2fbbcdb',
    replacement: 'scripts/dependency-patches/kafkajs-send-messages.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/producer/index.js',
    originalSha256: '37a6da431139e4af020c4f381af10855ab34e3660bbf4937abda1b27f9379775',
    replacement: 'scripts/dependency-patches/kafkajs-producer-index.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/broker/index.js',
    originalSha256: '9cbea8898528c439c213080f99d86974460114f81b5034c49aeb593a0337ca90',
    replacement: 'scripts/dependency-patches/kafkajs-broker-index.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/txnOffsetCommit/index.js',
    originalSha256: 'de987fd8224548533d44ff0779a3e71146932d27ab18979bc02592f347c85634',
    replacement: 'scripts/dependency-patches/kafkajs-txn-offset-commit-index.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/offsetFetch/index.js',
    originalSha256: '518af17259c0ff4e7581e0384a478551dde847e25ed55f45b661d2cf50e8b5a4',
    replacement: 'scripts/dependency-patches/kafkajs-offset-fetch-index.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/consumer/consumerGroup.js',
    originalSha256: 'f3e461738585a8dc6574c647123a18afc732f81cdee4f9f7bb62e4aa1dffbfbb',
    replacement: 'scripts/dependency-patches/kafkajs-consumer-group.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/consumer/offsetManager/index.js',
    originalSha256: 'bd1041968ae322324ebf64d2569308db19d24f70ee5dbb72c964b43bfe85c00e',
    replacement: 'scripts/dependency-patches/kafkajs-offset-manager.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/txnOffsetCommit/v2/request.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-txn-offset-commit-v2-request.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/txnOffsetCommit/v2/response.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-txn-offset-commit-v2-response.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/txnOffsetCommit/v3/request.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-txn-offset-commit-v3-request.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/txnOffsetCommit/v3/response.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-txn-offset-commit-v3-response.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/offsetFetch/v5/request.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-offset-fetch-v5-request.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/offsetFetch/v5/response.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-offset-fetch-v5-response.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/offsetFetch/v6/request.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-offset-fetch-v6-request.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/offsetFetch/v6/response.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-offset-fetch-v6-response.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/offsetFetch/v7/request.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-offset-fetch-v7-request.cjs',
  },
  {
    pkg: 'kafkajs',
    version: '2.2.4',
    file: 'src/protocol/requests/offsetFetch/v7/response.js',
    newFile: true,
    replacement: 'scripts/dependency-patches/kafkajs-offset-fetch-v7-response.cjs',
  },
];

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const firstLine = (text) => text.slice(0, text.indexOf('\n'));
const isEarlierPatch = (current, replacement) =>
  current !== null && replacement.startsWith("// riskstream's ") && firstLine(current) === firstLine(replacement);
let failed = false;
for (const p of PATCHES) {
  const pkgDir = join(ROOT, 'node_modules', p.pkg);
  if (!existsSync(pkgDir)) continue; // not installed (e.g. a partial install): nothing to patch
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  const target = join(pkgDir, p.file);
  const replacement = readFileSync(join(ROOT, p.replacement), 'utf8');
  if (p.newFile) {
    const current = existsSync(target) ? readFileSync(target, 'utf8') : null;
    if (current === replacement) continue; // already added
    if (version !== p.version || (current !== null && !isEarlierPatch(current, replacement))) {
      const why = version !== p.version ? 'is not the version this new file was written for' : 'already exists with other content';
      console.error(`patch-dependencies: ${p.pkg}@${version} ${p.file} ${why} (${p.pkg}@${p.version}, new file); review ${p.replacement} against it`);
      failed = true;
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, replacement);
    console.log(`patch-dependencies: ${p.pkg}@${version} ${p.file} <- ${p.replacement} (new file${current !== null ? ', updated' : ''})`);
    continue;
  }
  const current = readFileSync(target, 'utf8');
  if (current === replacement) continue; // already patched
  const earlier = isEarlierPatch(current, replacement);
  if (version !== p.version || (sha256(current) !== p.originalSha256 && !earlier)) {
    console.error(`patch-dependencies: ${p.pkg}@${version} ${p.file} is not the file this patch was written for (${p.pkg}@${p.version}, sha256 ${p.originalSha256}); review ${p.replacement} against it`);
    failed = true;
    continue;
  }
  writeFileSync(target, replacement);
  console.log(`patch-dependencies: ${p.pkg}@${version} ${p.file} <- ${p.replacement}${earlier ? ' (updated)' : ''}`);
}
process.exit(failed ? 1 : 0);
