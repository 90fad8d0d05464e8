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
// The list is data (scripts/dependency-patches/patches.json) so that every process can check at start that
// the patches are in place (shared/src/dependency-patches.ts): `npm ci --ignore-scripts` skips this script.
const PATCHES = JSON.parse(readFileSync(join(ROOT, 'scripts', 'dependency-patches', 'patches.json'), 'utf8'));

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
