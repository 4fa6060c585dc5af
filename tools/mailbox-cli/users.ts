/**
 * `<user>` as an administrator types it: a systemuserid, a UPN / email address, or a display name (exact,
 * else a unique partial match), case-insensitive. Ambiguity is an error listing the candidates.
 */
import type { Mailbox } from '../../shared/mailboxes/mailbox';
import { CliError } from './admin-client';

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

export function isSystemUserId(text: string): boolean {
  return GUID.test(text.trim());
}

export function findMailbox(mailboxes: Mailbox[], query: string): Mailbox {
  const q = query.trim().toLowerCase();
  const id = q.replace(/[{}]/g, '');
  const exact = mailboxes.filter((m) => m.systemUserId.toLowerCase() === id || m.emailAddress.toLowerCase() === q || m.displayName.toLowerCase() === q);
  const candidates = exact.length > 0 ? exact : mailboxes.filter((m) => m.displayName.toLowerCase().includes(q) || m.emailAddress.toLowerCase().includes(q));
  if (candidates.length === 1) return candidates[0]!;
  const describe = (m: Mailbox) => `  ${m.displayName} <${m.emailAddress}>  ${m.systemUserId}`;
  if (candidates.length === 0) {
    throw new CliError(`No CRM user matches '${query}'. Users:\n${mailboxes.map(describe).join('\n') || '  (none)'}`);
  }
  throw new CliError(`'${query}' matches ${candidates.length} users; be more specific (a UPN or a systemuserid):\n${candidates.map(describe).join('\n')}`);
}
