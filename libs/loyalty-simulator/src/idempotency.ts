import { createHash } from 'node:crypto';

/**
 * Stripe-style Idempotency-Key semantics: the first request with a key that reaches the
 * endpoint's work has its answer (success or business refusal) saved; a later request with the
 * same key and the same parameters gets that saved answer again, nothing is applied twice; the
 * same key with other parameters is refused; a request while the first one still runs is told
 * to retry. Answers that were never saved (rate limited, server errors before the work, bad
 * parameters) leave the key free. Keys are kept for `retentionMs` (24 h, as Stripe).
 */
export interface SavedAnswer {
  status: number;
  body: unknown;
}

interface Entry {
  fingerprint: string;
  answer: SavedAnswer | undefined;
  savedAt: number;
}

export type Claim = { kind: 'fresh' } | { kind: 'replay'; answer: SavedAnswer } | { kind: 'mismatch' } | { kind: 'in-progress' };

export function fingerprintOf(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${JSON.stringify(body ?? null)}`).digest('hex');
}

export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();
  replays = 0;

  constructor(private readonly retentionMs = 24 * 3_600_000) {}

  claim(key: string, fingerprint: string): Claim {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.savedAt > this.retentionMs) this.entries.delete(key);
    const live = this.entries.get(key);
    if (!live) {
      this.entries.set(key, { fingerprint, answer: undefined, savedAt: now });
      return { kind: 'fresh' };
    }
    if (live.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (!live.answer) return { kind: 'in-progress' };
    this.replays += 1;
    return { kind: 'replay', answer: live.answer };
  }

  save(key: string, answer: SavedAnswer): void {
    const entry = this.entries.get(key);
    if (entry) entry.answer = answer;
  }

  /** The work never ran (or failed before saving): the key may be used again. */
  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry && !entry.answer) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.replays = 0;
  }
}
