/**
 * `npm run register` (node dist/tools/register/cli.js): registers the Dataverse webhook and its plug-in
 * steps idempotently (shared/registration), prints what a Microsoft 365 administrator must grant
 * (--graph), and checks that the sync app reaches given mailboxes (--mailbox). Options: see args.ts.
 * Runs with the sync app's own credentials, as the deployed app does: what works here works there.
 */
import { decodeJwt } from 'jose';
import { createGraphClient } from '../../shared/graph/graph-client';
import { DataverseGateway } from '../../shared/dataverse/dataverse-gateway';
import { DataverseRequestError } from '../../shared/dataverse/dataverse-errors';
import { createTokenProvider, TokenAcquisitionError, type TokenProvider } from '../../shared/identity/token-provider';
import { registerDataverseWebhooks, type RegistrationReport } from '../../shared/registration/dataverse-registration';
import { parseRegisterArgs, UsageError, USAGE, type RegisterArgs } from './args';
import { columnsByTable } from './columns';
import { formatGrantInstructions, grantInstructions, type GrantInstructions } from './graph-grants';
import { checkMailbox, formatMailboxCheck, type MailboxCheck } from './mailbox-check';
import { formatRegistrationReport, isNoChange } from './report-table';

export interface RegisterIo {
  out(text: string): void;
  err(text: string): void;
}

export interface RegisterResult {
  registration?: (RegistrationReport & { dataverseUrl: string; functionUrl: string; noChange: boolean }) | { error: string; action: string };
  graph?: GrantInstructions & { tokenRoles?: string[]; tokenError?: string };
  mailboxes?: MailboxCheck[];
}

/** What an operator should do about a failed registration. */
function registrationAction(error: unknown): string {
  if (error instanceof TokenAcquisitionError) {
    return error.isUserError
      ? 'Check the tenant id, client id and client secret of the sync app registration (and that the secret has not expired).'
      : 'Could not reach Entra ID: check the network and --authority-host.';
  }
  if (error instanceof DataverseRequestError && error.code === 'ACCESS_DENIED') {
    return 'Dataverse refused the sync app: create its application user in the environment (Power Platform admin center → ' +
      'Users + permissions → Application users) with the crm-exchange-sync security role (docs/operator-guide.md, step 3).';
  }
  if (error instanceof DataverseRequestError && error.code === 'TEMPORARY' && error.status === undefined) {
    return 'Could not reach Dataverse: check --dataverse (the environment URL, e.g. https://contoso.crm.dynamics.com) and the network.';
  }
  return 'See the message above; running the command again is safe (it only creates or updates what differs).';
}

const GRAPH_SCOPE = (graphBaseUrl: string): string => {
  const host = new URL(graphBaseUrl).hostname;
  return `https://${host.startsWith('graph.') ? host : 'graph.microsoft.com'}/.default`;
};

async function register(args: RegisterArgs, tokens: TokenProvider, result: RegisterResult, text: string[]): Promise<boolean> {
  const dataverseUrl = args.dataverseUrl!;
  try {
    const report = await registerDataverseWebhooks(new DataverseGateway({ dataverseUrl, tokens }), {
      functionUrl: args.functionUrl!,
      functionKey: args.functionKey!,
      columnsByTable: columnsByTable(),
    });
    result.registration = { dataverseUrl, functionUrl: args.functionUrl!, noChange: isNoChange(report), ...report };
    text.push(formatRegistrationReport(dataverseUrl, report));
    return true;
  } catch (error) {
    const message = (error as Error).message;
    result.registration = { error: message, action: registrationAction(error) };
    text.push(`Dataverse registration at ${dataverseUrl} FAILED: ${message}\n  → ${registrationAction(error)}`);
    return false;
  }
}

export async function runRegister(argv: string[], env: Record<string, string | undefined>, io: RegisterIo): Promise<number> {
  let args: RegisterArgs;
  try {
    args = parseRegisterArgs(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const c = args.credentials;
  const tokens = c ? createTokenProvider({ authority: `${c.authorityHost}/${c.tenantId}`, clientId: c.clientId, clientSecret: c.clientSecret }) : undefined;
  const result: RegisterResult = {};
  const text: string[] = [];
  let ok = true;

  if (args.functionUrl) ok = (await register(args, tokens!, result, text)) && ok;

  if (args.graph) {
    const instructions = grantInstructions({ ...(c ? { clientId: c.clientId } : {}), scopeGroup: args.scopeGroup, mailboxes: args.mailboxes });
    let tokenRoles: string[] | undefined;
    let tokenError: string | undefined;
    if (tokens) {
      try {
        const roles = decodeJwt(await tokens.getToken(GRAPH_SCOPE(args.graphBaseUrl))).roles;
        tokenRoles = Array.isArray(roles) ? roles.map(String) : [];
      } catch (error) {
        tokenError = (error as Error).message;
        ok = false;
      }
    }
    result.graph = { ...instructions, ...(tokenRoles ? { tokenRoles } : {}), ...(tokenError ? { tokenError } : {}) };
    text.push(formatGrantInstructions(instructions, tokenRoles) + (tokenError ? `\n\nCould not get a Graph token: ${tokenError}` : ''));
  }

  if (args.mailboxes.length > 0) {
    const client = createGraphClient({ graphBaseUrl: args.graphBaseUrl, tokens: tokens! });
    result.mailboxes = [];
    for (const upn of args.mailboxes) {
      const check = await checkMailbox(client, upn);
      result.mailboxes.push(check);
      text.push(formatMailboxCheck(check));
      ok = ok && check.ok;
    }
  }

  io.out(args.json ? JSON.stringify(result, null, 2) : text.join('\n\n'));
  return ok ? 0 : 1;
}

if (require.main === module) {
  runRegister(process.argv.slice(2), process.env, {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  }).then((code) => { process.exitCode = code; }, (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
