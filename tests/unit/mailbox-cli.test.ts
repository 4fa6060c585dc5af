/** The mailbox CLI's pure parts: argument parsing, finding a user, and the progress line on a terminal vs a pipe. */
import { newMailbox } from '../../shared/mailboxes/mailbox';
import { parseCliArgs, UsageError } from '../../tools/mailbox-cli/args';
import { LiveLine, progressBar } from '../../tools/mailbox-cli/render';
import { findMailbox } from '../../tools/mailbox-cli/users';

const people = [
  newMailbox({ systemUserId: '0a1b2c3d-0001-4e5f-8a9b-000000000001', displayName: 'Adele Vance', emailAddress: 'adelev@contoso.example', entraObjectId: '3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51' }),
  newMailbox({ systemUserId: '0a1b2c3d-0002-4e5f-8a9b-000000000002', displayName: 'Alex Wilber', emailAddress: 'alexw@contoso.example', entraObjectId: '5b2c9d14-7e3f-4a61-b0c8-9d2e1f3a4b62' }),
  newMailbox({ systemUserId: '0a1b2c3d-0004-4e5f-8a9b-000000000004', displayName: 'Alex Wilber Jr', emailAddress: 'alexj@contoso.example', entraObjectId: '5b2c9d14-7e3f-4a61-b0c8-9d2e1f3a4b64' }),
];

describe('arguments', () => {
  test('flags win over the environment; --sandbox reads the default manifest', () => {
    const args = parseCliArgs(['status', 'adele', '--url', 'https://a.example/api'], { SYNC_ADMIN_URL: 'https://b.example/api', SYNC_ADMIN_CLIENT_ID: 'id-from-env' });
    expect(args.command).toEqual({ name: 'status', user: 'adele' });
    expect(args.connection).toMatchObject({ url: 'https://a.example/api', clientId: 'id-from-env', sandbox: false });
    expect(parseCliArgs(['list', '--sandbox'], {}).connection).toMatchObject({ sandbox: true, sandboxManifestUrl: 'https://127.0.0.1:7300/sandbox/manifest' });
  });

  test('set takes methods case-insensitively; test-and-enable --wait --timeout', () => {
    expect(parseCliArgs(['set', 'adele', '--tasks', 'serversidesync', '--contacts', 'None'], {}).command)
      .toEqual({ name: 'set', user: 'adele', methods: { contacts: 'none', tasks: 'serverSideSync' } });
    expect(parseCliArgs(['test-and-enable', 'adele', '--wait', '--timeout', '30'], {}).command)
      .toEqual({ name: 'test-and-enable', user: 'adele', wait: true, timeoutSeconds: 30 });
  });

  test.each([
    [['approve'], 'approve needs a <user>'],
    [['list', '--status', 'done'], '--status must be one of notRun, running, success, failure'],
    [['approve', 'adele', '--wait'], '--wait do(es) not apply to approve'],
    [['status', 'Adele', 'Vance'], 'quote a display name with spaces'],
    [['test-and-enable', 'adele', '--timeout', '0'], '--timeout must be a number of seconds > 0'],
    [['list', '--colour'], "Unknown option '--colour'"],
  ])('%j → usage error', (argv, message) => {
    expect(() => parseCliArgs(argv, {})).toThrow(UsageError);
    expect(() => parseCliArgs(argv, {})).toThrow(message);
  });
});

describe('finding a user', () => {
  test('by systemuserid (with or without braces), UPN, exact display name, or a unique part of one', () => {
    expect(findMailbox(people, '{0A1B2C3D-0001-4E5F-8A9B-000000000001}').displayName).toBe('Adele Vance');
    expect(findMailbox(people, 'ALEXW@contoso.example').displayName).toBe('Alex Wilber');
    expect(findMailbox(people, 'alex wilber').displayName).toBe('Alex Wilber');
    expect(findMailbox(people, 'adele').displayName).toBe('Adele Vance');
  });

  test('ambiguous and unknown names list the candidates', () => {
    expect(() => findMailbox(people, 'wilber')).toThrow(/'wilber' matches 2 users[\s\S]*Alex Wilber <alexw@[\s\S]*Alex Wilber Jr <alexj@/);
    expect(() => findMailbox(people, 'megan')).toThrow(/No CRM user matches 'megan'\. Users:[\s\S]*Adele Vance/);
  });
});

describe('progress', () => {
  test('the bar counts failed items as finished and says so', () => {
    expect(progressBar({ total: 8, done: 2, failed: 0 }, 8)).toBe('[##------] 2/8 25%');
    expect(progressBar({ total: 8, done: 7, failed: 1 }, 8)).toBe('[########] 8/8 100% (1 failed)');
    expect(progressBar({ total: 0, done: 0, failed: 0 }, 4)).toBe('[####] 0/0 100%');
  });

  test('on a terminal the line is redrawn in place; in a pipe each change is a line of its own', () => {
    const tty = { isTTY: true, text: '', write(t: string) { this.text += t; } };
    const line = new LiveLine(tty);
    line.update('a');
    line.update('a');
    line.update('b');
    line.done();
    expect(tty.text).toBe('\r\x1b[2Ka\r\x1b[2Kb\n');

    const pipe = { isTTY: false, text: '', write(t: string) { this.text += t; } };
    const plain = new LiveLine(pipe);
    plain.update('a');
    plain.update('a');
    plain.update('b');
    plain.done();
    expect(pipe.text).toBe('a\nb\n');
  });
});
