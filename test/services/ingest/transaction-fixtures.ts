import { isLuhnValid } from '../../../services/ingest/src/card-number.ts';
import type { MarkerStore } from '../../../services/ingest/src/transaction-dedup.ts';

/** Test data for ingest: Luhn-valid card numbers, raw transactions, a card-number scanner, a fake store. */

export const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

/** A Luhn-valid PAN: `prefix` padded with the digits of `n` to length - 1, plus the check digit. */
export function pan(n: number, length = 16, prefix = '4000'): string {
  const body = prefix + String(n).padStart(length - 1 - prefix.length, '0');
  for (let d = 0; d <= 9; d++) if (isLuhnValid(body + d)) return body + d;
  throw new Error('unreachable: one check digit always fits');
}

export function rawTx(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    transaction_id: `tx-${String(i).padStart(6, '0')}`,
    card_number: pan(i % 50),
    customer_id: `c-${i % 20}`,
    terminal_id: `t-${i % 7}`,
    amount: 10 + (i % 90),
    currency: 'EUR',
    channel: ['pos', 'ecom', 'atm', null][i % 4] ?? null,
    event_time: NOW - 60_000 * (i % 100),
    ...overrides,
  };
}

export const TEST_KEYS = 'k1:' + Buffer.alloc(32, 1).toString('base64') + ',k2:' + Buffer.alloc(32, 2).toString('base64');

/**
 * Every place a known card number shows up in `bytes`, in clear: as typed, and with its digits split by
 * the separators people and encodings use (spaces, dashes, UTF-16 NULs).
 */
export function findKnownCardNumbers(bytes: Buffer | string, pans: Iterable<string>): string[] {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  const digitsOnly = text.replace(/[^0-9]/g, '');
  const found: string[] = [];
  for (const p of pans) {
    if (text.includes(p)) found.push(`${p} (as typed)`);
    else if (digitsOnly.includes(p) && containsSeparated(text, p)) found.push(`${p} (separated)`);
  }
  return found;
}

function containsSeparated(text: string, p: string): boolean {
  const pattern = p.split('').join('[^0-9]{0,3}');
  return new RegExp(pattern).test(text);
}

/** Luhn-valid runs of 12-19 digits, for text that holds no hex tokens or hashes (logs, DLQ values). */
export function findLuhnValidRuns(text: string): string[] {
  const found: string[] = [];
  for (const run of text.match(/[0-9]{12,}/g) ?? []) {
    for (let len = 12; len <= Math.min(19, run.length); len++) {
      for (let i = 0; i + len <= run.length; i++) {
        const candidate = run.slice(i, i + len);
        if (isLuhnValid(candidate)) found.push(candidate);
      }
    }
  }
  return found;
}

/** The dedup store's contract, in memory, with a clock for expiry. */
export class FakeMarkerStore implements MarkerStore {
  readonly entries = new Map<string, { value: string; expiresAt: number }>();
  calls = 0;
  failWith: Error | undefined;
  now = () => NOW;

  async claim(entries: readonly { key: string; value: string }[], ttlSeconds: number): Promise<(string | null)[]> {
    this.calls++;
    if (this.failWith) throw this.failWith;
    return entries.map(({ key, value }) => {
      const current = this.entries.get(key);
      if (current && current.expiresAt > this.now()) return current.value;
      this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
      return null;
    });
  }
}
