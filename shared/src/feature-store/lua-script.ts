import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

/**
 * A server-side script called by its SHA1 (EVALSHA), so a micro-batch costs one small request; when the
 * server does not know the script (first call, restart, failover, SCRIPT FLUSH) the answer is NOSCRIPT
 * and the same call is repeated once with the source (EVAL), which also caches it for the next batch.
 * A restarted Redis therefore needs no reload step.
 */
export class LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha1: string;

  constructor(name: string, source: string) {
    this.name = name;
    this.source = source;
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  /** Concatenates files of lua/ (next to this module) into one script: helpers first, then the main body. */
  static fromFiles(name: string, files: readonly string[]): LuaScript {
    const dir = join(import.meta.dirname, 'lua');
    return new LuaScript(name, files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n'));
  }

  /** `replies: 'buffer'` answers bulk strings as Buffers (for binary replies), integers stay numbers. */
  async run(redis: Redis, keys: readonly string[], args: readonly (string | number | Buffer)[], replies: 'string' | 'buffer' = 'string'): Promise<unknown> {
    const call = (command: 'EVALSHA' | 'EVAL', script: string) => {
      const argv = [script, keys.length, ...keys, ...args];
      return replies === 'buffer' ? redis.callBuffer(command, argv) : redis.call(command, argv);
    };
    try {
      return await call('EVALSHA', this.sha1);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return await call('EVAL', this.source);
    }
  }
}
