/**
 * /users/{id}/events (+ /calendar/events), /calendarView and /calendarView/delta.
 * transactionId: a POST repeating the body of an earlier create with the same transactionId answers 201
 * with the event created first (nothing new is created, no change is notified); the same transactionId
 * with a different body is 400 ErrorDuplicateTransactionId — as reported for the real service.
 */
import type { EmulatorRequest, EmulatorResponse } from '../common/server';
import type { MailboxCall } from './access';
import { readBody } from './body';
import { deltaResponse, listResponse } from './collection';
import type { DeltaScope } from './delta';
import { idOf, itemFromId, type GraphEnv } from './env';
import { errors, graphError } from './errors';
import { extendedCollection } from './extended-properties';
import { EVENT_MODEL, EVENT_WRITABLE, eventWrite, overlaps, renderEvent } from './event-model';
import { parseQuery, project, type QueryOptionName } from './odata-query';
import { checkIfMatch, readPrefs, reply, usersSegment, type Prefs } from './request';
import type { Mailbox, StoredItem } from './store';
import { parseDateTime, toInstant } from './time';

const LIST_OPTIONS: QueryOptionName[] = ['$select', '$filter', '$top', '$skip', '$orderby', '$expand'];

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).filter((k) => !k.startsWith('@')).sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `startDateTime`/`endDateTime` query parameters (names case-insensitive; no offset = UTC). */
function readWindow(req: EmulatorRequest): { startMs: number; endMs: number } | undefined {
  let start: string | undefined;
  let end: string | undefined;
  for (const [k, v] of req.query) {
    if (k.toLowerCase() === 'startdatetime') start = v;
    if (k.toLowerCase() === 'enddatetime') end = v;
  }
  if (start === undefined || end === undefined) return undefined;
  const s = parseDateTime(start);
  const e = parseDateTime(end);
  if (!s || !e) throw graphError(400, 'ErrorInvalidParameter', `The value '${!s ? start : end}' of parameter '${!s ? 'StartDateTime' : 'EndDateTime'}' is invalid.`);
  return { startMs: toInstant(s, 'UTC'), endMs: toInstant(e, 'UTC') };
}

const windowRequired = () => graphError(400, 'ErrorInvalidParameter',
  'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');

function utcView(mailbox: Mailbox, item: StoredItem, prefs: Prefs): Record<string, unknown> {
  return renderEvent(mailbox, item, { ...prefs, zone: { name: 'UTC', iana: 'UTC' } });
}

export function registerEvents(env: GraphEnv): void {
  const { server, store, access } = env;

  const list = (calendarView: boolean) => access.mailboxRoute('calendar', false, (req, call) => {
    const prefs = readPrefs(req, true);
    const window = calendarView ? readWindow(req) : undefined;
    if (calendarView && !window) throw windowRequired();
    const options = parseQuery(req, EVENT_MODEL, LIST_OPTIONS);
    const items = store.list(call.mailbox, 'event').filter((i) => !window || overlaps(i, window));
    return listResponse({
      env, req, prefs, options, items,
      contextPath: `${usersSegment(call.userSegment)}/${calendarView ? 'calendarView' : 'events'}`,
      view: (i) => utcView(call.mailbox, i, prefs),
      render: (i) => renderEvent(call.mailbox, i, prefs, { expand: options.expand }),
      collections: (i) => ({ singleValueExtendedProperties: extendedCollection(i) }),
    });
  });

  const create = access.mailboxRoute('calendar', true, (req, call) => {
    const prefs = readPrefs(req, true);
    const options = parseQuery(req, EVENT_MODEL, ['$select', '$expand']);
    const body = readBody(req, { model: EVENT_MODEL, writable: EVENT_WRITABLE, navigation: new Set(['singleValueExtendedProperties']) });
    const write = eventWrite(body);
    const canonical = canonicalJson(body.raw);
    let item: StoredItem | undefined;
    const transactionId = write.props.transactionId;
    if (typeof transactionId === 'string') {
      const earlier = store.list(call.mailbox, 'event').find((i) => i.props.transactionId === transactionId);
      if (earlier && earlier.createBody !== canonical) {
        throw graphError(400, 'ErrorDuplicateTransactionId', "Your request can't be completed. The TransactionId specified in the request has already been used to create a different event.");
      }
      item = earlier;
    }
    if (!item) {
      item = store.create(call.mailbox, 'event', write.props, call.caller.clientId, undefined, write.extended);
      item.createBody = canonical;
    }
    return single(req, call, prefs, item, 201, options.select, options.expand);
  });

  const get = access.mailboxRoute('calendar', false, (req, call) => {
    const prefs = readPrefs(req, true);
    const options = parseQuery(req, EVENT_MODEL, ['$select', '$expand']);
    const item = itemFromId(store, call.mailbox, 'event', req.params.eventId ?? '');
    return single(req, call, prefs, item, 200, options.select, options.expand);
  });

  const update = access.mailboxRoute('calendar', true, (req, call) => {
    const prefs = readPrefs(req, true);
    const options = parseQuery(req, EVENT_MODEL, ['$select', '$expand']);
    const item = itemFromId(store, call.mailbox, 'event', req.params.eventId ?? '');
    checkIfMatch(req, item.changeKey);
    const body = readBody(req, { model: EVENT_MODEL, writable: EVENT_WRITABLE, navigation: new Set(['singleValueExtendedProperties']) });
    const write = eventWrite(body, item);
    store.update(call.mailbox, item, write.props, call.caller.clientId, write.extended);
    return single(req, call, prefs, item, 200, options.select, options.expand);
  });

  const remove = access.mailboxRoute('calendar', true, (req, call) => {
    const item = itemFromId(store, call.mailbox, 'event', req.params.eventId ?? '');
    checkIfMatch(req, item.changeKey);
    store.delete(call.mailbox, item, call.caller.clientId);
    return reply(req, 204);
  });

  function single(req: EmulatorRequest, call: MailboxCall, prefs: Prefs, item: StoredItem, status: number, select?: string[], expand = [] as ReturnType<typeof parseQuery>['expand']): EmulatorResponse {
    const rep = project(renderEvent(call.mailbox, item, prefs, { expand }), select);
    const context = `${env.ctx.baseUrl()}/$metadata#${usersSegment(call.userSegment)}/events${select ? `(${select.join(',')})` : ''}/$entity`;
    return reply(req, status, { '@odata.context': context, ...rep }, prefs);
  }

  const delta = access.mailboxRoute('calendar', false, (req, call) => {
    const prefs = readPrefs(req, true);
    parseQuery(req, EVENT_MODEL, ['$skiptoken', '$deltatoken'], (name) => (name === '$top'
      ? errors.invalidUrlQuery("The '$top' parameter is not supported with change tracking over the 'CalendarView' resource as page size cannot be guaranteed. Express page size preferences using the Prefer: odata.maxpagesize= header instead.")
      : errors.invalidUrlQuery("The following parameters are not supported with change tracking over the 'CalendarView' resource: '$orderby, $filter, $select, $expand, $search'.")));
    const inWindow = (scope: DeltaScope) => (i: StoredItem) => !scope.window || overlaps(i, scope.window);
    const skip = req.query.get('$skiptoken');
    const token = req.query.get('$deltatoken');
    let page;
    if (skip !== null) {
      const state = env.delta.lookup(skip, 'skip');
      if (!state || state.type !== 'skip' || state.round.scope.userId !== call.user.entraObjectId) throw syncStateNotFound();
      page = env.delta.page(call.mailbox, state.round, state.offset, env.ctx.baseUrl(), inWindow(state.round.scope));
    } else {
      let round;
      if (token !== null) {
        const state = env.delta.lookup(token, 'delta');
        if (!state || state.type !== 'delta' || state.scope.userId !== call.user.entraObjectId || state.scope.kind !== 'event') throw syncStateNotFound();
        round = env.delta.continueRound(call.mailbox, state, inWindow(state.scope));
      } else {
        const window = readWindow(req);
        if (!window) throw windowRequired();
        const scope: DeltaScope = {
          userId: call.user.entraObjectId, kind: 'event', window,
          pageSize: prefs.maxPageSize ?? env.pageSize, path: req.path.replace(/^\/v1\.0/, ''),
        };
        round = env.delta.startRound(call.mailbox, scope, inWindow(scope));
      }
      page = env.delta.page(call.mailbox, round, 0, env.ctx.baseUrl(), inWindow(round.scope));
    }
    return deltaResponse(req, prefs, `${env.ctx.baseUrl()}/$metadata#Collection(event)`, page,
      (i) => renderEvent(call.mailbox, i, prefs, { delta: true }),
      (key) => ({ '@odata.type': '#microsoft.graph.event', id: idOf(call.mailbox, { kind: 'event', key }, prefs.immutableIds), '@removed': { reason: 'deleted' } }));
  });

  for (const prefix of ['/v1.0/users/{userId}/events', '/v1.0/users/{userId}/calendar/events']) {
    server.route('GET', prefix, list(false));
    server.route('POST', prefix, create);
    server.route('GET', `${prefix}/{eventId}`, get);
    server.route('PATCH', `${prefix}/{eventId}`, update);
    server.route('DELETE', `${prefix}/{eventId}`, remove);
  }
  server.route('GET', '/v1.0/users/{userId}/calendarView', list(true));
  server.route('GET', '/v1.0/users/{userId}/calendarView/delta', delta);
}

/** Outlook's answer to a delta/skip token it no longer has (observed: 410 Gone, SyncStateNotFound). */
export function syncStateNotFound(todo = false) {
  return todo
    ? graphError(410, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.')
    : graphError(410, 'SyncStateNotFound', 'The sync state generation is not found; the delta token is expired or unknown. Start a full synchronization.');
}
