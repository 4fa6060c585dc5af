/**
 * /users/{id}/contacts (the default Contacts folder), /contactFolders (the folders *inside* the default
 * folder, as Graph lists them — the default folder itself is reached by id, e.g. a contact's
 * parentFolderId) and the two delta functions: /contacts/delta and /contactFolders/{id}/contacts/delta.
 */
import type { EmulatorRequest, EmulatorResponse } from '../common/server';
import type { MailboxCall } from './access';
import { readBody } from './body';
import { deltaResponse, listResponse } from './collection';
import { CONTACT_MODEL, CONTACT_WRITABLE, contactWrite, renderContact, renderContactFolder } from './contact-model';
import type { DeltaScope } from './delta';
import { idOf, itemFromId, type GraphEnv } from './env';
import { errors, graphError } from './errors';
import { syncStateNotFound } from './events';
import { extendedCollection } from './extended-properties';
import { parseQuery, project, type ExpandOption, type QueryOptionName } from './odata-query';
import { checkIfMatch, readPrefs, reply, usersSegment, type Prefs } from './request';
import type { StoredItem } from './store';

const LIST_OPTIONS: QueryOptionName[] = ['$select', '$filter', '$top', '$skip', '$orderby', '$expand'];

export function registerContacts(env: GraphEnv): void {
  const { server, store, access } = env;
  const folderOf = (call: MailboxCall, req: EmulatorRequest): StoredItem =>
    req.params.folderId === undefined
      ? store.get(call.mailbox, 'contactFolder', call.mailbox.defaultContactFolderKey)!
      : itemFromId(store, call.mailbox, 'contactFolder', req.params.folderId);

  const single = (req: EmulatorRequest, call: MailboxCall, prefs: Prefs, item: StoredItem, status: number, select?: string[], expand: ExpandOption[] = []): EmulatorResponse => {
    const rep = project(renderContact(call.mailbox, item, prefs, { expand }), select);
    const context = `${env.ctx.baseUrl()}/$metadata#${usersSegment(call.userSegment)}/contacts${select ? `(${select.join(',')})` : ''}/$entity`;
    return reply(req, status, { '@odata.context': context, ...rep }, prefs);
  };

  const list = access.mailboxRoute('contacts', false, (req, call) => {
    const prefs = readPrefs(req, true);
    const folder = folderOf(call, req);
    const options = parseQuery(req, CONTACT_MODEL, LIST_OPTIONS);
    return listResponse({
      env, req, prefs, options, items: store.list(call.mailbox, 'contact', folder.key),
      contextPath: `${usersSegment(call.userSegment)}/contacts`,
      view: (i) => renderContact(call.mailbox, i, prefs),
      render: (i) => renderContact(call.mailbox, i, prefs, { expand: options.expand }),
      collections: (i) => ({ singleValueExtendedProperties: extendedCollection(i) }),
    });
  });

  const create = access.mailboxRoute('contacts', true, (req, call) => {
    const prefs = readPrefs(req, true);
    const folder = folderOf(call, req);
    const options = parseQuery(req, CONTACT_MODEL, ['$select', '$expand']);
    const write = contactWrite(readBody(req, { model: CONTACT_MODEL, writable: CONTACT_WRITABLE, navigation: new Set(['singleValueExtendedProperties']) }));
    const item = store.create(call.mailbox, 'contact', write.props, call.caller.clientId, folder.key, write.extended);
    return single(req, call, prefs, item, 201, options.select, options.expand);
  });

  const get = access.mailboxRoute('contacts', false, (req, call) => {
    const prefs = readPrefs(req, true);
    const options = parseQuery(req, CONTACT_MODEL, ['$select', '$expand']);
    return single(req, call, prefs, itemFromId(store, call.mailbox, 'contact', req.params.contactId ?? ''), 200, options.select, options.expand);
  });

  const update = access.mailboxRoute('contacts', true, (req, call) => {
    const prefs = readPrefs(req, true);
    const options = parseQuery(req, CONTACT_MODEL, ['$select', '$expand']);
    const item = itemFromId(store, call.mailbox, 'contact', req.params.contactId ?? '');
    checkIfMatch(req, item.changeKey);
    const write = contactWrite(readBody(req, { model: CONTACT_MODEL, writable: CONTACT_WRITABLE, navigation: new Set(['singleValueExtendedProperties']) }), item);
    store.update(call.mailbox, item, write.props, call.caller.clientId, write.extended);
    return single(req, call, prefs, item, 200, options.select, options.expand);
  });

  const remove = access.mailboxRoute('contacts', true, (req, call) => {
    const item = itemFromId(store, call.mailbox, 'contact', req.params.contactId ?? '');
    checkIfMatch(req, item.changeKey);
    store.delete(call.mailbox, item, call.caller.clientId);
    return reply(req, 204);
  });

  const delta = access.mailboxRoute('contacts', false, (req, call) => {
    const prefs = readPrefs(req, true);
    const options = parseQuery(req, CONTACT_MODEL, ['$select', '$skiptoken', '$deltatoken'], () => errors.invalidUrlQuery(
      "The following parameters are not supported with change tracking over the 'Contacts' resource: '$orderby, $filter, $select, $expand, $search, $top'."));
    const all = () => true;
    const skip = req.query.get('$skiptoken');
    const token = req.query.get('$deltatoken');
    let page;
    let select: string[] | undefined;
    if (skip !== null) {
      const state = env.delta.lookup(skip, 'skip');
      if (!state || state.type !== 'skip' || state.round.scope.userId !== call.user.entraObjectId || state.round.scope.kind !== 'contact') throw syncStateNotFound();
      select = state.round.scope.select;
      page = env.delta.page(call.mailbox, state.round, state.offset, env.ctx.baseUrl(), all);
    } else {
      let round;
      if (token !== null) {
        const state = env.delta.lookup(token, 'delta');
        if (!state || state.type !== 'delta' || state.scope.userId !== call.user.entraObjectId || state.scope.kind !== 'contact') throw syncStateNotFound();
        round = env.delta.continueRound(call.mailbox, state, all);
      } else {
        const scope: DeltaScope = {
          userId: call.user.entraObjectId, kind: 'contact', containerKey: folderOf(call, req).key, select: options.select,
          pageSize: prefs.maxPageSize ?? env.pageSize, path: req.path.replace(/^\/v1\.0/, ''),
        };
        round = env.delta.startRound(call.mailbox, scope, all);
      }
      select = round.scope.select;
      page = env.delta.page(call.mailbox, round, 0, env.ctx.baseUrl(), all);
    }
    return deltaResponse(req, prefs, `${env.ctx.baseUrl()}/$metadata#Collection(contact)`, page,
      (i) => project(renderContact(call.mailbox, i, prefs), select),
      (key) => ({ id: idOf(call.mailbox, { kind: 'contact', key }, prefs.immutableIds), '@removed': { reason: 'deleted' } }));
  });

  const folders = access.mailboxRoute('contacts', false, (req, call) => {
    const prefs = readPrefs(req, true);
    parseQuery(req, CONTACT_MODEL, []);
    const children = store.list(call.mailbox, 'contactFolder').filter((f) => f.key !== call.mailbox.defaultContactFolderKey);
    return reply(req, 200, {
      '@odata.context': `${env.ctx.baseUrl()}/$metadata#${usersSegment(call.userSegment)}/contactFolders`,
      value: children.map((f) => renderContactFolder(call.mailbox, f, prefs)),
    }, prefs);
  });

  const createFolder = access.mailboxRoute('contacts', true, (req, call) => {
    const prefs = readPrefs(req, true);
    const body = req.json<Record<string, unknown>>();
    const unknown = Object.keys(body ?? {}).find((k) => k !== 'displayName' && k !== 'parentFolderId' && !k.startsWith('@'));
    if (unknown) throw errors.unknownProperty(unknown, 'Microsoft.OutlookServices.ContactFolder');
    if (typeof body?.displayName !== 'string' || body.displayName.trim() === '') throw graphError(400, 'ErrorInvalidRequest', "Your request can't be completed. The folder name is required.");
    const taken = store.list(call.mailbox, 'contactFolder').some((f) => String(f.props.displayName).toLowerCase() === String(body.displayName).toLowerCase());
    if (taken) throw graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    const folder = store.create(call.mailbox, 'contactFolder', { displayName: body.displayName }, call.caller.clientId, call.mailbox.defaultContactFolderKey);
    return reply(req, 201, { '@odata.context': `${env.ctx.baseUrl()}/$metadata#${usersSegment(call.userSegment)}/contactFolders/$entity`, ...renderContactFolder(call.mailbox, folder, prefs) }, prefs);
  });

  const getFolder = access.mailboxRoute('contacts', false, (req, call) => {
    const prefs = readPrefs(req, true);
    parseQuery(req, CONTACT_MODEL, []);
    const folder = itemFromId(store, call.mailbox, 'contactFolder', req.params.folderId ?? '');
    return reply(req, 200, { '@odata.context': `${env.ctx.baseUrl()}/$metadata#${usersSegment(call.userSegment)}/contactFolders/$entity`, ...renderContactFolder(call.mailbox, folder, prefs) }, prefs);
  });

  // Delta routes first: "delta" would otherwise match {contactId}.
  server.route('GET', '/v1.0/users/{userId}/contacts/delta', delta);
  server.route('GET', '/v1.0/users/{userId}/contactFolders/{folderId}/contacts/delta', delta);
  server.route('GET', '/v1.0/users/{userId}/contacts', list);
  server.route('POST', '/v1.0/users/{userId}/contacts', create);
  server.route('GET', '/v1.0/users/{userId}/contacts/{contactId}', get);
  server.route('PATCH', '/v1.0/users/{userId}/contacts/{contactId}', update);
  server.route('DELETE', '/v1.0/users/{userId}/contacts/{contactId}', remove);
  server.route('GET', '/v1.0/users/{userId}/contactFolders', folders);
  server.route('POST', '/v1.0/users/{userId}/contactFolders', createFolder);
  server.route('GET', '/v1.0/users/{userId}/contactFolders/{folderId}', getFolder);
  server.route('GET', '/v1.0/users/{userId}/contactFolders/{folderId}/contacts', list);
  server.route('POST', '/v1.0/users/{userId}/contactFolders/{folderId}/contacts', create);
}
