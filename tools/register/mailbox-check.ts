/**
 * `npm run register -- --mailbox <upn>`: can the sync app reach this mailbox? The same reads Test & Enable
 * makes (the user, mailbox settings, one item of the calendar, the contacts and the default To Do list),
 * with the app's own token, each reported with what to do when it fails. Nothing is written.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphGateway } from '../../shared/graph/graph-gateway';
import { toGraphRequestError, type GraphRequestError } from '../../shared/graph/graph-errors';
import { MailboxPacer } from '../../shared/graph/mailbox-pacer';
import { TokenAcquisitionError } from '../../shared/identity/token-provider';

export interface MailboxCheckStep {
  check: 'user' | 'mailboxSettings' | 'calendar' | 'contacts' | 'todo';
  ok: boolean;
  detail: string;
  /** What an administrator should do, when the step failed. */
  action?: string;
}

export interface MailboxCheck {
  mailbox: string;
  ok: boolean;
  steps: MailboxCheckStep[];
}

function deniedAction(permission: string, exchangeScoped: boolean): string {
  return exchangeScoped
    ? `Denied: the mailbox is outside the app's Exchange scope, or ${permission} is not granted. Add the user to the scope's group ` +
      '(see --graph) and check with Test-ServicePrincipalAuthorization (or Test-ApplicationAccessPolicy); changes take 30 min to 2 h to reach Graph.'
    : `Denied: grant ${permission} in Entra ID with admin consent (it is not an Exchange application role).`;
}

function failure(check: MailboxCheckStep['check'], error: GraphRequestError, permission: string, exchangeScoped: boolean, upn: string): MailboxCheckStep {
  const detail = `${error.status ?? 'no response'}${error.graphCode ? ` ${error.graphCode}` : ''}: ${error.message}`;
  if (error.code === 'ACCESS_DENIED') return { check, ok: false, detail, action: deniedAction(permission, exchangeScoped) };
  if (error.code === 'NOT_FOUND') {
    return { check, ok: false, detail, action: check === 'user'
      ? `No user ${upn} in the tenant: check the user principal name.`
      : `No Exchange Online mailbox (or no default To Do list) for ${upn}: check the user's license and mailbox.` };
  }
  return { check, ok: false, detail, action: 'Unexpected failure; run the check again, and check the network and the Graph endpoint.' };
}

export async function checkMailbox(client: Client, upn: string): Promise<MailboxCheck> {
  const graph = new GraphGateway(client, new MailboxPacer(4));
  const steps: MailboxCheckStep[] = [];
  let userId: string;
  try {
    const user = await client.api(`/users/${encodeURIComponent(upn)}`).select('id,displayName,userPrincipalName').get() as { id: string; displayName?: string };
    userId = user.id;
    steps.push({ check: 'user', ok: true, detail: `${user.displayName ?? upn} (${user.id})` });
  } catch (raw) {
    steps.push(raw instanceof TokenAcquisitionError
      ? { check: 'user', ok: false, detail: raw.message, action: 'Check the tenant id, client id and client secret of the sync app registration.' }
      : failure('user', toGraphRequestError(raw, `Reading the user ${upn}`), 'User.Read.All', false, upn));
    return { mailbox: upn, ok: false, steps };
  }

  const attempt = async (check: MailboxCheckStep['check'], permission: string, exchangeScoped: boolean, run: () => Promise<string>): Promise<void> => {
    try {
      steps.push({ check, ok: true, detail: await run() });
    } catch (raw) {
      steps.push(failure(check, toGraphRequestError(raw, `Reading the ${check === 'todo' ? 'To Do lists' : check} of ${upn}`), permission, exchangeScoped, upn));
    }
  };
  // The documented path of a single setting (GET /users/{id}/mailboxSettings/timeZone).
  await attempt('mailboxSettings', 'MailboxSettings.Read', true, async () => {
    const zone = await client.api(`/users/${encodeURIComponent(userId)}/mailboxSettings/timeZone`).get() as { value?: string };
    return `time zone ${zone.value ?? '(none)'}`;
  });
  await attempt('calendar', 'Calendars.ReadWrite', true, async () => { await graph.probe(userId, 'appointment'); return 'events readable'; });
  await attempt('contacts', 'Contacts.ReadWrite', true, async () => { await graph.probe(userId, 'contact'); return 'contacts readable'; });
  await attempt('todo', 'Tasks.ReadWrite.All', false, async () => {
    const listId = await graph.defaultTodoListId(userId);
    await graph.probe(userId, 'task', listId);
    return 'default To Do list readable';
  });
  return { mailbox: upn, ok: steps.every((s) => s.ok), steps };
}

export function formatMailboxCheck(result: MailboxCheck): string {
  const lines = [`Mailbox ${result.mailbox}: ${result.ok ? 'reachable by the sync app' : 'NOT fully reachable by the sync app'}`];
  for (const s of result.steps) {
    lines.push(`  ${s.ok ? 'ok  ' : 'FAIL'}  ${s.check.padEnd(15)} ${s.detail}`);
    if (s.action) lines.push(`        → ${s.action}`);
  }
  return lines.join('\n');
}
