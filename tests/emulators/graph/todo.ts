/**
 * /users/{id}/todo/lists, /todo/lists/{listId}/tasks (+ /delta) and /tasks/{taskId}/linkedResources.
 * Every mailbox starts with the built-in "Tasks" list (wellknownListName defaultList), which cannot be
 * renamed or deleted. `$filter` over `linkedResources/any(…)` is rejected (To Do does not filter on
 * navigation properties); errors use To Do's `invalidRequest` wrapping.
 */
import type { EmulatorRequest } from '../common/server';
import type { MailboxCall } from './access';
import { readBody } from './body';
import { deltaResponse, listResponse } from './collection';
import type { DeltaScope } from './delta';
import { idOf, itemFromId, type GraphEnv } from './env';
import { errors, todoError } from './errors';
import { syncStateNotFound } from './events';
import { parseQuery, project, type QueryOptionName, type QueryOptions } from './odata-query';
import { checkIfMatch, readPrefs, reply, usersSegment, type Prefs } from './request';
import type { StoredItem } from './store';
import {
  inlineLinkedResources, LINKED_MODEL, LINKED_WRITABLE, LIST_MODEL, LIST_WRITABLE, renderLinked, renderList, renderTask,
  TASK_MODEL, TASK_WRITABLE, taskWrite,
} from './todo-model';

const LIST_OPTIONS: QueryOptionName[] = ['$select', '$filter', '$top', '$skip', '$orderby', '$expand'];

export function registerTodo(env: GraphEnv): void {
  const { server, store, access } = env;
  const base = () => env.ctx.baseUrl();
  const listOf = (call: MailboxCall, req: EmulatorRequest) => itemFromId(store, call.mailbox, 'todoTaskList', req.params.listId ?? '', true);
  const taskOf = (call: MailboxCall, req: EmulatorRequest) => {
    const list = listOf(call, req);
    const task = itemFromId(store, call.mailbox, 'todoTask', req.params.taskId ?? '', true);
    if (task.containerKey !== list.key) throw todoError(400, 'Parent folder specified does not contain a Task with given Id', 'ParentFolderDoesNotContainTaskWithGivenId');
    return { list, task };
  };
  const listContext = (call: MailboxCall) => `${usersSegment(call.userSegment)}/todo/lists`;
  const taskContext = (call: MailboxCall, req: EmulatorRequest) => `${listContext(call)}('${encodeURIComponent(req.params.listId ?? '')}')/tasks`;

  const renderTaskWith = (call: MailboxCall, task: StoredItem, prefs: Prefs, options: Pick<QueryOptions, 'expand' | 'select'>) => {
    const rep = project(renderTask(call.mailbox, task, prefs), options.select);
    if (options.expand.some((e) => e.name === 'linkedResources')) {
      rep.linkedResources = store.list(call.mailbox, 'linkedResource', task.key).map((lr) => renderLinked(call.mailbox, lr));
    }
    return rep;
  };

  // Lists
  server.route('GET', '/v1.0/users/{userId}/todo/lists', access.mailboxRoute('todo', false, (req, call) => {
    const prefs = readPrefs(req, false);
    const options = parseQuery(req, LIST_MODEL, LIST_OPTIONS);
    return listResponse({
      env, req, prefs, options, items: store.list(call.mailbox, 'todoTaskList'), contextPath: listContext(call),
      view: (i) => renderList(call.mailbox, i), render: (i) => renderList(call.mailbox, i),
    });
  }));
  server.route('POST', '/v1.0/users/{userId}/todo/lists', access.mailboxRoute('todo', true, (req, call) => {
    const body = readBody(req, { model: LIST_MODEL, writable: LIST_WRITABLE, navigation: new Set() });
    if (typeof body.props.displayName !== 'string' || body.props.displayName.trim() === '') {
      throw todoError(400, 'Invalid request', 'InvalidModel', 'displayName is required.');
    }
    const list = store.create(call.mailbox, 'todoTaskList', { displayName: body.props.displayName, isOwner: true, isShared: false, wellknownListName: 'none' }, call.caller.clientId);
    return reply(req, 201, { '@odata.context': `${base()}/$metadata#${listContext(call)}/$entity`, ...renderList(call.mailbox, list) });
  }));
  server.route('GET', '/v1.0/users/{userId}/todo/lists/{listId}', access.mailboxRoute('todo', false, (req, call) => {
    parseQuery(req, LIST_MODEL, ['$select']);
    return reply(req, 200, { '@odata.context': `${base()}/$metadata#${listContext(call)}/$entity`, ...renderList(call.mailbox, listOf(call, req)) });
  }));
  server.route('PATCH', '/v1.0/users/{userId}/todo/lists/{listId}', access.mailboxRoute('todo', true, (req, call) => {
    const list = listOf(call, req);
    checkIfMatch(req, list.changeKey);
    if (list.props.wellknownListName !== 'none') throw todoError(400, 'Invalid request', 'InvalidModel', 'Built-in lists cannot be renamed.');
    const body = readBody(req, { model: LIST_MODEL, writable: LIST_WRITABLE, navigation: new Set() });
    store.update(call.mailbox, list, body.props, call.caller.clientId);
    return reply(req, 200, { '@odata.context': `${base()}/$metadata#${listContext(call)}/$entity`, ...renderList(call.mailbox, list) });
  }));
  server.route('DELETE', '/v1.0/users/{userId}/todo/lists/{listId}', access.mailboxRoute('todo', true, (req, call) => {
    const list = listOf(call, req);
    if (list.props.wellknownListName !== 'none') throw todoError(400, 'Invalid request', 'InvalidModel', 'Built-in lists cannot be deleted.');
    store.delete(call.mailbox, list, call.caller.clientId);
    return reply(req, 204);
  }));

  // Tasks (delta first: "delta" would otherwise match {taskId})
  server.route('GET', '/v1.0/users/{userId}/todo/lists/{listId}/tasks/delta', access.mailboxRoute('todo', false, (req, call) => {
    const prefs = readPrefs(req, false);
    const options = parseQuery(req, TASK_MODEL, ['$select', '$top', '$expand', '$skiptoken', '$deltatoken'],
      (name) => todoError(400, 'Invalid request', 'InvalidQueryOption', `The query option '${name}' is not supported with delta.`));
    const all = () => true;
    const skip = req.query.get('$skiptoken');
    const token = req.query.get('$deltatoken');
    let page;
    let scope: DeltaScope;
    if (skip !== null) {
      const state = env.delta.lookup(skip, 'skip');
      if (!state || state.type !== 'skip' || state.round.scope.userId !== call.user.entraObjectId || state.round.scope.kind !== 'todoTask') throw syncStateNotFound(true);
      scope = state.round.scope;
      page = env.delta.page(call.mailbox, state.round, state.offset, base(), all);
    } else {
      let round;
      if (token !== null) {
        const state = env.delta.lookup(token, 'delta');
        if (!state || state.type !== 'delta' || state.scope.userId !== call.user.entraObjectId || state.scope.kind !== 'todoTask') throw syncStateNotFound(true);
        round = env.delta.continueRound(call.mailbox, state, all);
      } else {
        const list = listOf(call, req);
        const initial: DeltaScope = {
          userId: call.user.entraObjectId, kind: 'todoTask', containerKey: list.key, select: options.select, expand: options.expand,
          pageSize: options.top ?? prefs.maxPageSize ?? env.pageSize, path: req.path.replace(/^\/v1\.0/, ''),
        };
        round = env.delta.startRound(call.mailbox, initial, all);
      }
      scope = round.scope;
      page = env.delta.page(call.mailbox, round, 0, base(), all);
    }
    return deltaResponse(req, prefs, `${base()}/$metadata#Collection(todoTask)`, page,
      (t) => renderTaskWith(call, t, prefs, { select: scope.select, expand: scope.expand ?? [] }),
      (key) => ({ id: idOf(call.mailbox, { kind: 'todoTask', key }, false), '@removed': { reason: 'deleted' } }));
  }));

  server.route('GET', '/v1.0/users/{userId}/todo/lists/{listId}/tasks', access.mailboxRoute('todo', false, (req, call) => {
    const prefs = readPrefs(req, false);
    const list = listOf(call, req);
    const options = parseQuery(req, TASK_MODEL, LIST_OPTIONS);
    return listResponse({
      env, req, prefs, options, items: store.list(call.mailbox, 'todoTask', list.key), contextPath: taskContext(call, req),
      view: (t) => renderTask(call.mailbox, t, prefs),
      render: (t) => renderTaskWith(call, t, prefs, { expand: options.expand }),
    });
  }));

  server.route('POST', '/v1.0/users/{userId}/todo/lists/{listId}/tasks', access.mailboxRoute('todo', true, (req, call) => {
    const prefs = readPrefs(req, false);
    const list = listOf(call, req);
    const body = readBody(req, { model: TASK_MODEL, writable: TASK_WRITABLE, navigation: new Set(['linkedResources']) });
    const linked = inlineLinkedResources(body.navigation.linkedResources);
    const task = store.create(call.mailbox, 'todoTask', taskWrite(call.mailbox, body), call.caller.clientId, list.key);
    const created = linked.map((lr) => store.create(call.mailbox, 'linkedResource', lr, call.caller.clientId, task.key));
    const rep: Record<string, unknown> = { '@odata.context': `${base()}/$metadata#${taskContext(call, req)}/$entity`, ...renderTask(call.mailbox, task, prefs) };
    if (created.length > 0) {
      rep['linkedResources@odata.context'] = `${base()}/$metadata#${taskContext(call, req)}('${idOf(call.mailbox, task, false)}')/linkedResources`;
      rep.linkedResources = created.map((lr) => renderLinked(call.mailbox, lr));
    }
    return reply(req, 201, rep, prefs);
  }));

  server.route('GET', '/v1.0/users/{userId}/todo/lists/{listId}/tasks/{taskId}', access.mailboxRoute('todo', false, (req, call) => {
    const prefs = readPrefs(req, false);
    const options = parseQuery(req, TASK_MODEL, ['$select', '$expand']);
    const { task } = taskOf(call, req);
    return reply(req, 200, { '@odata.context': `${base()}/$metadata#${taskContext(call, req)}/$entity`, ...renderTaskWith(call, task, prefs, options) }, prefs);
  }));

  server.route('PATCH', '/v1.0/users/{userId}/todo/lists/{listId}/tasks/{taskId}', access.mailboxRoute('todo', true, (req, call) => {
    const prefs = readPrefs(req, false);
    const { task } = taskOf(call, req);
    checkIfMatch(req, task.changeKey);
    const body = readBody(req, { model: TASK_MODEL, writable: TASK_WRITABLE, navigation: new Set() });
    store.update(call.mailbox, task, taskWrite(call.mailbox, body, task), call.caller.clientId);
    return reply(req, 200, { '@odata.context': `${base()}/$metadata#${taskContext(call, req)}/$entity`, ...renderTask(call.mailbox, task, prefs) }, prefs);
  }));

  server.route('DELETE', '/v1.0/users/{userId}/todo/lists/{listId}/tasks/{taskId}', access.mailboxRoute('todo', true, (req, call) => {
    const { task } = taskOf(call, req);
    checkIfMatch(req, task.changeKey);
    store.delete(call.mailbox, task, call.caller.clientId);
    return reply(req, 204);
  }));

  // Linked resources
  const linkedContext = (call: MailboxCall, req: EmulatorRequest) => `${taskContext(call, req)}('${encodeURIComponent(req.params.taskId ?? '')}')/linkedResources`;
  server.route('GET', '/v1.0/users/{userId}/todo/lists/{listId}/tasks/{taskId}/linkedResources', access.mailboxRoute('todo', false, (req, call) => {
    const prefs = readPrefs(req, false);
    const { task } = taskOf(call, req);
    const options = parseQuery(req, LINKED_MODEL, LIST_OPTIONS);
    return listResponse({
      env, req, prefs, options, items: store.list(call.mailbox, 'linkedResource', task.key), contextPath: linkedContext(call, req),
      view: (lr) => renderLinked(call.mailbox, lr), render: (lr) => renderLinked(call.mailbox, lr),
    });
  }));
  server.route('POST', '/v1.0/users/{userId}/todo/lists/{listId}/tasks/{taskId}/linkedResources', access.mailboxRoute('todo', true, (req, call) => {
    const { task } = taskOf(call, req);
    const body = readBody(req, { model: LINKED_MODEL, writable: LINKED_WRITABLE, navigation: new Set() });
    const lr = store.create(call.mailbox, 'linkedResource', body.props, call.caller.clientId, task.key);
    // The task itself changes (new version, "updated" for change tracking).
    store.touch(call.mailbox, task);
    store.emitUpdated(call.mailbox, task, call.caller.clientId);
    return reply(req, 201, { '@odata.context': `${base()}/$metadata#${linkedContext(call, req)}/$entity`, ...renderLinked(call.mailbox, lr) });
  }));
  server.route('GET', '/v1.0/users/{userId}/todo/lists/{listId}/tasks/{taskId}/linkedResources/{linkedId}', access.mailboxRoute('todo', false, (req, call) => {
    const { task } = taskOf(call, req);
    const lr = itemFromId(store, call.mailbox, 'linkedResource', req.params.linkedId ?? '', true);
    if (lr.containerKey !== task.key) throw errors.itemNotFound();
    return reply(req, 200, { '@odata.context': `${base()}/$metadata#${linkedContext(call, req)}/$entity`, ...renderLinked(call.mailbox, lr) });
  }));
  server.route('DELETE', '/v1.0/users/{userId}/todo/lists/{listId}/tasks/{taskId}/linkedResources/{linkedId}', access.mailboxRoute('todo', true, (req, call) => {
    const { task } = taskOf(call, req);
    const lr = itemFromId(store, call.mailbox, 'linkedResource', req.params.linkedId ?? '', true);
    if (lr.containerKey !== task.key) throw errors.itemNotFound();
    store.delete(call.mailbox, lr, call.caller.clientId);
    store.touch(call.mailbox, task);
    store.emitUpdated(call.mailbox, task, call.caller.clientId);
    return reply(req, 204);
  }));
}
