import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MarkerStore } from '../../../services/alert-receiver/src/alert-gate.ts';

/** Fakes and fixtures for the alert receiver's unit tests. */

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

export class FakeClock {
  ms: number;
  constructor(startMs = Date.parse('2025-06-02T10:00:00Z')) {
    this.ms = startMs;
  }
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** The Redis marker semantics (SET NX GET PX, compare-and-set, compare-and-delete) with TTLs on a fake clock. */
export class MemoryMarkerStore implements MarkerStore {
  readonly #clock: FakeClock;
  readonly entries = new Map<string, { value: string; expiresAt: number }>();
  failNext = 0;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  get(key: string): string | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expiresAt <= this.#clock.ms) {
      this.entries.delete(key);
      return null;
    }
    return e.value;
  }

  ttlMs(key: string): number | null {
    return this.get(key) === null ? null : this.entries.get(key)!.expiresAt - this.#clock.ms;
  }

  #maybeFail(): void {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('redis down (fake)'), { code: 'DEPENDENCY_UNAVAILABLE', retriable: true });
    }
  }

  async claim(key: string, value: string, ttlMs: number): Promise<string | null> {
    this.#maybeFail();
    const held = this.get(key);
    if (held !== null) return held;
    this.entries.set(key, { value, expiresAt: this.#clock.ms + ttlMs });
    return null;
  }

  async replace(key: string, expected: string, value: string, ttlMs: number): Promise<boolean> {
    this.#maybeFail();
    if (this.get(key) !== expected) return false;
    this.entries.set(key, { value, expiresAt: this.#clock.ms + ttlMs });
    return true;
  }

  async release(key: string, expected: string): Promise<boolean> {
    this.#maybeFail();
    if (this.get(key) !== expected) return false;
    this.entries.delete(key);
    return true;
  }
}
