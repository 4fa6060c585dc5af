import { MailboxPacer } from '../../shared/graph/mailbox-pacer';

describe('MailboxPacer', () => {
  test('at most N calls run at once per mailbox, and mailboxes do not wait for each other', async () => {
    const pacer = new MailboxPacer(4);
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const call = (mailbox: string) => pacer.run(mailbox, async () => {
      running.set(mailbox, (running.get(mailbox) ?? 0) + 1);
      peak.set(mailbox, Math.max(peak.get(mailbox) ?? 0, running.get(mailbox)!));
      await new Promise((r) => setTimeout(r, 10));
      running.set(mailbox, running.get(mailbox)! - 1);
      return mailbox;
    });
    const started = Date.now();
    const results = await Promise.all([...Array.from({ length: 20 }, () => call('A')), ...Array.from({ length: 20 }, () => call('b'))]);
    expect(results.filter((r) => r === 'A')).toHaveLength(20);
    expect(peak.get('A')).toBe(4);
    expect(peak.get('b')).toBe(4);
    // 20 calls of 10 ms, 4 at a time, per mailbox, both mailboxes in parallel: about 50 ms, not 100.
    expect(Date.now() - started).toBeLessThan(500);
  });

  test('mailbox ids are case-insensitive and a failing call frees its slot', async () => {
    const pacer = new MailboxPacer(1);
    await expect(pacer.run('X', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(pacer.run('x', async () => 'ok')).resolves.toBe('ok');
    expect(pacer.pending('X')).toBe(0);
  });

  test('options are checked up front with a precise message', () => {
    expect(() => new MailboxPacer(0)).toThrow('MailboxPacer concurrency must be a whole number >= 1, got 0');
    expect(() => new MailboxPacer(2.5)).toThrow(/got 2.5/);
  });
});
