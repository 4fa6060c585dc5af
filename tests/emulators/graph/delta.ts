/**
 * Delta rounds. A round starts from nothing (every item in scope) or from a `$deltatoken` (items whose
 * sequence number passed the token's watermark, tombstones included); its pages are linked by
 * `$skiptoken`s and the last page carries a `$deltatoken` for the next round. Tokens are opaque server-side
 * state, as Outlook's are: a token this emulator no longer knows (expired by the test control, evicted
 * from the per-mailbox cache, or never issued) answers 410 Gone — the client must resync.
 */
import { randomBytes } from 'node:crypto';
import type { IdKind } from './ids';
import type { ExpandOption } from './odata-query';
import type { GraphStore, Mailbox, StoredItem } from './store';

export interface DeltaScope {
  userId: string;
  kind: IdKind;
  containerKey?: string;
  /** calendarView/delta: only events overlapping [startMs, endMs). */
  window?: { startMs: number; endMs: number };
  select?: string[];
  expand?: ExpandOption[];
  pageSize: number;
  /** What the request path looked like (for building the next links), e.g. /users/x/calendarView/delta */
  path: string;
}

interface Round {
  scope: DeltaScope;
  entries: Array<{ key: string; removed: boolean }>;
  watermark: number;
}

type TokenState = { type: 'delta'; scope: DeltaScope; watermark: number } | { type: 'skip'; round: Round; offset: number };

export interface DeltaPage {
  items: Array<{ item?: StoredItem; key: string; removed: boolean }>;
  nextLink?: string;
  deltaLink?: string;
}

/** How many tokens a mailbox keeps; older ones fall out, as in Outlook's delta token cache. */
const TOKENS_PER_MAILBOX = 1000;

export class DeltaEngine {
  private readonly tokens = new Map<string, TokenState & { userId: string }>();

  constructor(private readonly store: GraphStore) {}

  private issue(state: TokenState, userId: string): string {
    const token = randomBytes(18).toString('base64url');
    this.tokens.set(token, { ...state, userId });
    const mine = [...this.tokens.entries()].filter(([, s]) => s.userId === userId);
    if (mine.length > TOKENS_PER_MAILBOX) this.tokens.delete(mine[0]![0]);
    return token;
  }

  /** Forgets every token of a mailbox (test control): their next use answers 410. */
  expire(userId: string): number {
    let n = 0;
    for (const [token, state] of this.tokens) if (state.userId === userId) { this.tokens.delete(token); n += 1; }
    return n;
  }

  clear(): void {
    this.tokens.clear();
  }

  lookup(token: string, type: 'delta' | 'skip'): TokenState | undefined {
    const state = this.tokens.get(token);
    return state?.type === type ? state : undefined;
  }

  inScope(scope: DeltaScope, item: StoredItem, inWindow: (item: StoredItem) => boolean): boolean {
    return !item.deleted && (scope.containerKey === undefined || item.containerKey === scope.containerKey) && (!scope.window || inWindow(item));
  }

  startRound(mailbox: Mailbox, scope: DeltaScope, inWindow: (item: StoredItem) => boolean): Round {
    const entries = this.store.list(mailbox, scope.kind, scope.containerKey)
      .filter((i) => this.inScope(scope, i, inWindow))
      .map((i) => ({ key: i.key, removed: false }));
    return { scope, entries, watermark: this.store.currentSeq() };
  }

  /** Changes since a delta token; items that left the window are reported removed, as calendarView delta does. */
  continueRound(mailbox: Mailbox, state: { scope: DeltaScope; watermark: number }, inWindow: (item: StoredItem) => boolean): Round {
    const entries = this.store.changedSince(mailbox, state.scope.kind, state.watermark, state.scope.containerKey)
      .map((i) => ({ key: i.key, removed: !this.inScope(state.scope, i, inWindow) }));
    return { scope: state.scope, entries, watermark: this.store.currentSeq() };
  }

  /** One page of a round, with the link to the next page or the delta link of the next round. */
  page(mailbox: Mailbox, round: Round, offset: number, base: string, inWindow: (item: StoredItem) => boolean): DeltaPage {
    const slice = round.entries.slice(offset, offset + round.scope.pageSize);
    const items = slice.map((e) => {
      const item = mailbox.items.get(e.key);
      // An item deleted (or moved out of the window) since the round began is reported removed.
      const removed = e.removed || !item || !this.inScope(round.scope, item, inWindow);
      return { item: removed ? undefined : item, key: e.key, removed };
    });
    const link = `${base}${round.scope.path}`;
    if (offset + round.scope.pageSize < round.entries.length) {
      const token = this.issue({ type: 'skip', round, offset: offset + round.scope.pageSize }, round.scope.userId);
      return { items, nextLink: `${link}?$skiptoken=${token}` };
    }
    const token = this.issue({ type: 'delta', scope: round.scope, watermark: round.watermark }, round.scope.userId);
    return { items, deltaLink: `${link}?$deltatoken=${token}` };
  }
}
