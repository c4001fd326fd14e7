/**
 * The platform's books: members (each reachable by its member id and by any number of external
 * references, the integration ids a retailer addresses it by), and an append-only ledger of
 * signed point transactions per member. The balance is the sum of the ledger; a transaction
 * that would take it below zero is refused, as real platforms do.
 */

export type TransactionType = 'earn' | 'reverse' | 'redeem' | 'restore';

/** Types that add points; the others take points away. */
const CREDITS: ReadonlySet<TransactionType> = new Set(['earn', 'restore']);

export interface Member {
  memberId: string;
  refs: string[];
  enrolledAt: string;
}

export interface Transaction {
  transactionId: string;
  memberId: string;
  type: TransactionType;
  /** Always positive; the sign comes from the type. */
  points: number;
  /** The retailer's reference (an order or payment id). */
  reference: string | null;
  idempotencyKey: string;
  balanceAfter: number;
  createdAt: string;
}

export class LedgerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Ledger {
  private readonly members = new Map<string, Member>();
  /** External reference or member id → member id. */
  private readonly aliases = new Map<string, string>();
  private readonly entries = new Map<string, Transaction[]>();
  private readonly byKey = new Map<string, Transaction>();
  private sequence = 0;
  private memberSequence = 0;

  enroll(input: { memberId?: string; refs?: string[] }): Member {
    const memberId = input.memberId ?? `LM-${String(++this.memberSequence).padStart(6, '0')}`;
    for (const ref of [memberId, ...(input.refs ?? [])]) {
      const owner = this.aliases.get(ref);
      if (owner !== undefined && owner !== memberId) throw new LedgerError(409, 'reference_taken', `reference ${ref} belongs to another member`);
    }
    const member = this.members.get(memberId) ?? { memberId, refs: [], enrolledAt: new Date().toISOString() };
    for (const ref of input.refs ?? []) if (!member.refs.includes(ref)) member.refs.push(ref);
    this.members.set(memberId, member);
    this.entries.set(memberId, this.entries.get(memberId) ?? []);
    for (const ref of [memberId, ...member.refs]) this.aliases.set(ref, memberId);
    return { ...member, refs: [...member.refs] };
  }

  knows(ref: string): boolean {
    return this.aliases.has(ref);
  }

  /** The member a reference (member id or external reference) points at. */
  resolve(ref: string): Member {
    const id = this.aliases.get(ref);
    const member = id === undefined ? undefined : this.members.get(id);
    if (!member) throw new LedgerError(404, 'unknown_member', 'no member with this reference');
    return member;
  }

  balance(ref: string): number {
    const member = this.resolve(ref);
    const entries = this.entries.get(member.memberId)!;
    return entries.length === 0 ? 0 : entries[entries.length - 1]!.balanceAfter;
  }

  post(ref: string, input: { type: TransactionType; points: number; reference: string | null; idempotencyKey: string }): Transaction {
    const member = this.resolve(ref);
    const before = this.balance(ref);
    const delta = CREDITS.has(input.type) ? input.points : -input.points;
    if (before + delta < 0) {
      throw new LedgerError(422, 'insufficient_points', `balance ${before} does not cover ${input.points} points`);
    }
    const tx: Transaction = {
      transactionId: `ltx_${String(++this.sequence).padStart(8, '0')}`,
      memberId: member.memberId,
      type: input.type,
      points: input.points,
      reference: input.reference,
      idempotencyKey: input.idempotencyKey,
      balanceAfter: before + delta,
      createdAt: new Date().toISOString(),
    };
    this.entries.get(member.memberId)!.push(tx);
    this.byKey.set(input.idempotencyKey, tx);
    return tx;
  }

  /** The transaction a key created, if any (the lookup after an ambiguous failure). */
  byIdempotencyKey(key: string): Transaction | undefined {
    return this.byKey.get(key);
  }

  transactions(ref?: string): Transaction[] {
    if (ref !== undefined) return [...this.entries.get(this.resolve(ref).memberId)!];
    return [...this.entries.values()].flat().sort((a, b) => a.transactionId.localeCompare(b.transactionId));
  }

  memberList(): Member[] {
    return [...this.members.values()].map((m) => ({ ...m, refs: [...m.refs] }));
  }

  clear(): void {
    this.members.clear();
    this.aliases.clear();
    this.entries.clear();
    this.byKey.clear();
    this.sequence = 0;
    this.memberSequence = 0;
  }
}
