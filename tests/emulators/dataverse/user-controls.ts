/**
 * Test control for what an administrator does outside the org's data: disabling (or re-enabling) a user in
 * the Power Platform admin center / Microsoft 365 admin center. The Web API serves `systemusers` read-only
 * (tables.ts), as users are managed there, so tests flip systemuser.isdisabled here:
 *
 *   PATCH /_emulator/systemusers/{systemuserid}   { "isdisabled": boolean }  → 204 (404 unknown user)
 *
 * Afterwards the Web API answers as Dataverse does for a disabled user: `isdisabled: true` on reads, and a
 * request impersonating them is refused (auth.ts).
 *
 * Not wired by server.ts (whose owner may add `installUserControls(emulator)` there); until then a test
 * that runs the emulator in-process installs it on the running emulator, e.g. `installUserControls(sandbox.dataverse)`.
 */
import { EmulatorHttpError, type EmulatorServer } from '../common/server';
import type { DataverseContext } from './context';

const installed = new WeakSet<EmulatorServer>();

export function installUserControls(emulator: { server: EmulatorServer; context: DataverseContext }): void {
  const { server, context } = emulator;
  const putRow = context.putRow;
  if (!putRow) throw new Error('This Dataverse context cannot write platform rows (putRow)');
  if (installed.has(server)) return;
  installed.add(server);
  server.route('PATCH', '/_emulator/systemusers/{id}', (req) => {
    const id = (req.params.id ?? '').toLowerCase();
    const body = req.json<{ isdisabled?: unknown }>();
    if (typeof body?.isdisabled !== 'boolean') throw new EmulatorHttpError(400, { error: 'body must be { "isdisabled": true|false }' });
    const user = context.rows('systemuser').find((u) => String(u.systemuserid).toLowerCase() === id);
    if (!user) throw new EmulatorHttpError(404, { error: `No systemuser '${req.params.id}'` });
    putRow('systemuser', { ...user, isdisabled: body.isdisabled, modifiedon: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    return { status: 204 };
  });
}
