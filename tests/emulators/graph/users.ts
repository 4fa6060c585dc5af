/**
 * Directory users (/users, /users/{id|upn}; User.Read.All, else 403 Authorization_RequestDenied), each
 * user's mailboxSettings (MailboxSettings.Read; mailbox scope applies), and `/me`, which app-only callers
 * cannot use.
 */
import type { EmulatorRequest } from '../common/server';
import { DIRECTORY_READ_ROLES } from './access';
import type { GraphEnv } from './env';
import { graphError } from './errors';
import { listResponse } from './collection';
import { evaluateFilter } from './odata-filter';
import { decodeSkipToken, parseQuery, project, type ResourceModel } from './odata-query';
import { readPrefs, reply, usersSegment } from './request';
import type { SchemaType } from './schema';
import type { SeedUser } from '../seed';
import type { StoredItem } from './store';

const STRING_PROPS = [
  'displayName', 'userPrincipalName', 'mail', 'givenName', 'surname', 'jobTitle', 'mobilePhone', 'officeLocation',
  'preferredLanguage', 'city', 'country', 'state', 'streetAddress', 'postalCode', 'department', 'companyName',
  'usageLocation', 'employeeId', 'mailNickname', 'userType', 'id',
];
/** The slice of microsoft.graph.user the emulator serves (not among the extracted schema files). */
const USER_TYPE: SchemaType = {
  type: 'microsoft.graph.user', kind: 'EntityType', baseTypeChain: ['microsoft.graph.directoryObject', 'microsoft.graph.entity'],
  abstract: false, openType: false,
  properties: [
    ...STRING_PROPS.map((name) => ({ name, type: 'Edm.String', nullable: name !== 'id', declaredOn: 'microsoft.graph.user' })),
    { name: 'businessPhones', type: 'Collection(Edm.String)', nullable: false, declaredOn: 'microsoft.graph.user' },
    { name: 'otherMails', type: 'Collection(Edm.String)', nullable: false, declaredOn: 'microsoft.graph.user' },
    { name: 'accountEnabled', type: 'Edm.Boolean', nullable: true, declaredOn: 'microsoft.graph.user' },
    { name: 'createdDateTime', type: 'Edm.DateTimeOffset', nullable: true, declaredOn: 'microsoft.graph.user' },
  ],
};
const USER_MODEL: ResourceModel = { schema: USER_TYPE, serviceTypeName: 'microsoft.graph.user', todoStyle: false, filterNavigation: [], expandable: [] };
const DEFAULT_SELECT = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

function userRep(user: SeedUser): Record<string, unknown> {
  const [givenName, ...rest] = user.displayName.split(' ');
  const all: Record<string, unknown> = {
    businessPhones: [], displayName: user.displayName, givenName: givenName ?? null, jobTitle: null,
    mail: user.userPrincipalName, mobilePhone: null, officeLocation: null, preferredLanguage: 'en-US',
    surname: rest.join(' ') || null, userPrincipalName: user.userPrincipalName, id: user.entraObjectId,
    accountEnabled: true, otherMails: [], mailNickname: user.userPrincipalName.split('@')[0], userType: 'Member',
  };
  for (const p of STRING_PROPS) if (!(p in all)) all[p] = null;
  return all;
}

const denied = () => graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

export function registerUsers(env: GraphEnv): void {
  const { server, access, seed } = { ...env, seed: env.ctx.seed };

  const directoryCaller = async (req: EmulatorRequest) => {
    const caller = await access.authenticate(req);
    if (!caller.roles.some((r) => DIRECTORY_READ_ROLES.includes(r))) throw denied();
    return caller;
  };

  server.route('GET', '/v1.0/users', async (req) => {
    await directoryCaller(req);
    const prefs = readPrefs(req, false);
    const options = parseQuery(req, USER_MODEL, ['$select', '$filter', '$top', '$orderby', '$count', '$skiptoken']);
    const skipToken = req.query.get('$skiptoken');
    if (skipToken !== null) {
      const position = decodeSkipToken(skipToken);
      if (position === undefined) throw graphError(400, 'Directory_InvalidSkipToken', 'The specified page token value has expired or is invalid.');
      options.skip = position;
    }
    const count = /^true$/i.test(req.query.get('$count') ?? '');
    if ((count || options.orderby.length > 0) && String(req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
      throw graphError(400, 'Request_UnsupportedQuery', 'Unsupported Query. This query requires the ConsistencyLevel header set to eventual.');
    }
    // Directory users are not mailbox items; they ride the same paging code as minimal item stand-ins.
    const items = seed.users.map((u) => ({ key: u.entraObjectId, props: userRep(u) }) as unknown as StoredItem);
    const response = listResponse({
      env: { ...env, pageSize: 100 }, req, prefs, options: { ...options, select: options.select ?? DEFAULT_SELECT }, items,
      contextPath: 'users', view: (i) => i.props, render: (i) => i.props, paging: 'skiptoken',
    });
    const body = response.body as Record<string, unknown>;
    if (!options.select) body['@odata.context'] = `${env.ctx.baseUrl()}/$metadata#users`;
    if (count) {
      const matching = items.filter((i) => !options.filter || evaluateFilter(options.filter, i.props)).length;
      return { ...response, body: { '@odata.context': body['@odata.context'], '@odata.count': matching, ...body } };
    }
    return response;
  });

  server.route('GET', '/v1.0/users/{userId}', async (req) => {
    await directoryCaller(req);
    const options = parseQuery(req, USER_MODEL, ['$select']);
    const user = access.resolveUser(req.params.userId ?? '');
    if (!user) {
      throw graphError(404, 'Request_ResourceNotFound', `Resource '${req.params.userId}' does not exist or one of its queried reference-property objects are not present.`);
    }
    const select = options.select ?? DEFAULT_SELECT;
    return reply(req, 200, {
      '@odata.context': `${env.ctx.baseUrl()}/$metadata#users${options.select ? `(${select.join(',')})` : ''}/$entity`,
      ...project(userRep(user), select),
    });
  });

  const settings = (user: SeedUser) => ({
    timeZone: user.timeZone,
    dateFormat: 'yyyy-MM-dd',
    timeFormat: 'HH:mm',
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
    userPurpose: 'user',
    language: { locale: 'en-US', displayName: 'English (United States)' },
    workingHours: {
      daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      startTime: '08:00:00.0000000', endTime: '17:00:00.0000000', timeZone: { name: user.timeZone },
    },
  });
  server.route('GET', '/v1.0/users/{userId}/mailboxSettings', access.mailboxRoute('mailboxSettings', false, (req, call) => {
    parseQuery(req, USER_MODEL, []);
    return reply(req, 200, { '@odata.context': `${env.ctx.baseUrl()}/$metadata#${usersSegment(call.userSegment)}/mailboxSettings`, ...settings(call.user) });
  }));
  server.route('GET', '/v1.0/users/{userId}/mailboxSettings/timeZone', access.mailboxRoute('mailboxSettings', false, (req, call) => (
    reply(req, 200, { '@odata.context': `${env.ctx.baseUrl()}/$metadata#${usersSegment(call.userSegment)}/mailboxSettings/timeZone`, value: call.user.timeZone })
  )));

  // App-only tokens have no signed-in user.
  const me = async (req: EmulatorRequest) => {
    await access.authenticate(req);
    throw graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
  };
  let template = '/v1.0/me';
  for (let depth = 0; depth < 7; depth += 1) {
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) server.route(method, template, me);
    template += `/{me${depth}}`;
  }
}
