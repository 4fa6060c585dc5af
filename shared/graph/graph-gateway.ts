/**
 * Everything the sync asks of Microsoft Graph for mailbox items, in Graph's own terms: events in the
 * user's calendar, contacts in the default contact folder, To Do tasks in the default list. Calls are
 * paced per mailbox, ask for immutable ids, and carry our idempotency marks so that a retried create can
 * find what an earlier attempt made:
 * - events: `transactionId` (Graph de-duplicates creates) and an extended property holding the CRM id;
 * - contacts: the same single-value extended property (filterable);
 * - To Do tasks: a linkedResource whose externalId is the CRM id (apps cannot filter on it, so the
 *   recovery path lists the tasks; it runs only after a crash between create and correlation write).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { GraphItem, RecordType } from '../mappings/field-mapping';
import { toGraphRequestError } from './graph-errors';
import type { MailboxPacer } from './mailbox-pacer';
import { bindToRequestContext } from '../observability/request-context';

/** Our named MAPI property; the GUID is ours, fixed forever (changing it would orphan every link). */
export const CRM_ID_PROPERTY_ID = 'String {b5f3c2d1-7a4e-4c9b-8e21-6d0f3a9c1e57} Name crmExchangeSyncCrmId';
export const LINKED_RESOURCE_APPLICATION = 'Dynamics 365 (crm-exchange-sync)';

const IMMUTABLE_IDS = 'IdType="ImmutableId"';

export interface GraphItemRef {
  mailboxUserId: string;
  recordType: RecordType;
  graphId: string;
  /** To Do list id (tasks only). */
  containerId?: string;
}

export interface CreateOptions {
  crmId: string;
  /** Idempotency key (events: transactionId). */
  transactionId: string;
  /** Deep link to the CRM record, shown on To Do tasks. */
  crmWebUrl?: string;
  containerId?: string;
}

const u = (id: string) => encodeURIComponent(id);

/**
 * Every Graph call: paced per mailbox, its failure normalised to a GraphRequestError naming the operation.
 * The call is bound to the caller's request context: the pacer may start it when another change's call
 * ends, and it must still send its own change's client-request-id (graph-client.ts).
 */
function pacedCall<T>(pacer: MailboxPacer, mailboxUserId: string, what: string, fn: () => Promise<T>): Promise<T> {
  return pacer.run(mailboxUserId, bindToRequestContext(async () => {
    try {
      return await fn();
    } catch (error) {
      throw toGraphRequestError(error, what);
    }
  }));
}

export class GraphGateway {
  private readonly timeZones = new Map<string, string>();
  private readonly defaultLists = new Map<string, string>();

  constructor(private readonly client: Client, private readonly pacer: MailboxPacer) {}

  private call<T>(mailboxUserId: string, what: string, fn: () => Promise<T>): Promise<T> {
    return pacedCall(this.pacer, mailboxUserId, what, fn);
  }

  private collection(recordType: RecordType, mailboxUserId: string, containerId?: string): string {
    switch (recordType) {
      case 'appointment': return `/users/${u(mailboxUserId)}/events`;
      case 'contact': return `/users/${u(mailboxUserId)}/contacts`;
      case 'task':
        if (!containerId) throw new Error('A To Do task needs its list id');
        return `/users/${u(mailboxUserId)}/todo/lists/${u(containerId)}/tasks`;
    }
  }

  private itemPath(ref: GraphItemRef): string {
    return `${this.collection(ref.recordType, ref.mailboxUserId, ref.containerId)}/${u(ref.graphId)}`;
  }

  /** The mailbox's Windows time zone (mailboxSettings.timeZone), cached for the process. */
  async mailboxTimeZone(mailboxUserId: string): Promise<string> {
    const cached = this.timeZones.get(mailboxUserId);
    if (cached) return cached;
    // One setting is read by its own path (mailboxSettings takes no $select).
    const setting = await this.call(mailboxUserId, 'Reading the mailbox time zone', () =>
      this.client.api(`/users/${u(mailboxUserId)}/mailboxSettings/timeZone`).get() as Promise<{ value?: string }>);
    const zone = setting.value || 'UTC';
    this.timeZones.set(mailboxUserId, zone);
    return zone;
  }

  /** Id of the user's default To Do list (wellknownListName defaultList), cached for the process. */
  async defaultTodoListId(mailboxUserId: string): Promise<string> {
    const cached = this.defaultLists.get(mailboxUserId);
    if (cached) return cached;
    const page = await this.call(mailboxUserId, 'Listing To Do lists', () =>
      this.client.api(`/users/${u(mailboxUserId)}/todo/lists`).header('Prefer', IMMUTABLE_IDS).get() as Promise<{ value: Array<{ id: string; wellknownListName?: string }> }>);
    const list = page.value.find((l) => l.wellknownListName === 'defaultList');
    if (!list) throw toGraphRequestError({ statusCode: 404, message: 'the mailbox has no default To Do list' }, 'Finding the default To Do list');
    this.defaultLists.set(mailboxUserId, list.id);
    return list.id;
  }

  /** Reads one item of the mailbox's calendar, contacts or default To Do list: proves access (Test & Enable). */
  async probe(mailboxUserId: string, recordType: RecordType, containerId?: string): Promise<void> {
    await this.call(mailboxUserId, `Reading the ${recordType === 'appointment' ? 'calendar' : recordType === 'contact' ? 'contacts' : 'To Do list'} of ${mailboxUserId}`, () =>
      this.client.api(this.collection(recordType, mailboxUserId, containerId)).top(1).select('id').get() as Promise<unknown>);
  }

  /** The item, or undefined when it no longer exists. */
  async get(ref: GraphItemRef): Promise<GraphItem | undefined> {
    try {
      return await this.call(ref.mailboxUserId, `Reading ${ref.recordType} ${ref.graphId}`, () =>
        this.client.api(this.itemPath(ref)).header('Prefer', IMMUTABLE_IDS).get() as Promise<GraphItem>);
    } catch (error) {
      if ((error as { code?: string }).code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Creates the item with our idempotency marks. */
  async create(mailboxUserId: string, recordType: RecordType, body: GraphItem, options: CreateOptions): Promise<GraphItem> {
    const marked: GraphItem = { ...body };
    if (recordType === 'task') {
      marked.linkedResources = [{
        applicationName: LINKED_RESOURCE_APPLICATION,
        externalId: options.crmId,
        displayName: 'Open in Dynamics 365',
        ...(options.crmWebUrl ? { webUrl: options.crmWebUrl } : {}),
      }];
    } else {
      marked.singleValueExtendedProperties = [{ id: CRM_ID_PROPERTY_ID, value: options.crmId }];
      if (recordType === 'appointment') marked.transactionId = options.transactionId;
    }
    return this.call(mailboxUserId, `Creating ${recordType} for CRM ${options.crmId}`, () =>
      this.client.api(this.collection(recordType, mailboxUserId, options.containerId)).header('Prefer', IMMUTABLE_IDS).post(marked) as Promise<GraphItem>);
  }

  /** Finds an item an earlier attempt created for this CRM row (recovery after a crash). */
  async findByCrmId(mailboxUserId: string, recordType: RecordType, crmId: string, containerId?: string): Promise<GraphItem | undefined> {
    const base = this.collection(recordType, mailboxUserId, containerId);
    if (recordType === 'task') {
      let url: string | undefined = `${base}?$expand=linkedResources&$top=100`;
      while (url) {
        const current: string = url;
        const page = await this.call(mailboxUserId, 'Searching To Do tasks', () =>
          this.client.api(current).header('Prefer', IMMUTABLE_IDS).get() as Promise<{ value: GraphItem[]; '@odata.nextLink'?: string }>);
        const hit = page.value.find((t) => (t.linkedResources as Array<{ externalId?: string; applicationName?: string }> | undefined)
          ?.some((r) => r.externalId === crmId && r.applicationName === LINKED_RESOURCE_APPLICATION));
        if (hit) return hit;
        url = page['@odata.nextLink'];
      }
      return undefined;
    }
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${CRM_ID_PROPERTY_ID}' and ep/value eq '${crmId}')`;
    const page = await this.call(mailboxUserId, `Searching ${recordType} for CRM ${crmId}`, () =>
      this.client.api(base).header('Prefer', IMMUTABLE_IDS).filter(filter).top(2).get() as Promise<{ value: GraphItem[] }>);
    return page.value[0];
  }

  /** PATCHes the item; with `ifMatch` (its @odata.etag) a concurrent change answers PRECONDITION_FAILED. */
  async update(ref: GraphItemRef, patch: GraphItem, ifMatch?: string): Promise<GraphItem> {
    return this.call(ref.mailboxUserId, `Updating ${ref.recordType} ${ref.graphId}`, () => {
      let request = this.client.api(this.itemPath(ref)).header('Prefer', IMMUTABLE_IDS);
      if (ifMatch) request = request.header('If-Match', ifMatch);
      return request.patch(patch) as Promise<GraphItem>;
    });
  }

  /** Deletes the item; a missing item counts as deleted. */
  async delete(ref: GraphItemRef): Promise<void> {
    try {
      await this.call(ref.mailboxUserId, `Deleting ${ref.recordType} ${ref.graphId}`, () =>
        this.client.api(this.itemPath(ref)).delete() as Promise<void>);
    } catch (error) {
      if ((error as { code?: string }).code !== 'NOT_FOUND') throw error;
    }
  }
}

export interface GraphSubscription {
  id: string;
  resource: string;
  changeType: string;
  clientState?: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  expirationDateTime: string;
}

export interface DeltaPage {
  value: GraphItem[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** Subscriptions and delta rounds: not paced per mailbox item traffic, but counted the same by Graph. */
export class GraphSubscriptionsGateway {
  constructor(private readonly client: Client, private readonly pacer: MailboxPacer) {}

  private call<T>(mailboxUserId: string, what: string, fn: () => Promise<T>): Promise<T> {
    return pacedCall(this.pacer, mailboxUserId, what, fn);
  }

  create(mailboxUserId: string, body: Omit<GraphSubscription, 'id'>): Promise<GraphSubscription> {
    // Notifications carry ids in the form the subscription was created with: ask for immutable ids, the
    // form our links store.
    return this.call(mailboxUserId, `Subscribing to ${body.resource}`, () =>
      this.client.api('/subscriptions').header('Prefer', IMMUTABLE_IDS).post(body) as Promise<GraphSubscription>);
  }

  renew(mailboxUserId: string, id: string, expirationDateTime: string): Promise<GraphSubscription> {
    return this.call(mailboxUserId, `Renewing subscription ${id}`, () =>
      this.client.api(`/subscriptions/${u(id)}`).patch({ expirationDateTime }) as Promise<GraphSubscription>);
  }

  reauthorize(mailboxUserId: string, id: string): Promise<void> {
    return this.call(mailboxUserId, `Reauthorizing subscription ${id}`, () => this.client.api(`/subscriptions/${u(id)}/reauthorize`).post({}) as Promise<void>);
  }

  async delete(mailboxUserId: string, id: string): Promise<void> {
    try {
      await this.call(mailboxUserId, `Deleting subscription ${id}`, () => this.client.api(`/subscriptions/${u(id)}`).delete() as Promise<void>);
    } catch (error) {
      if ((error as { code?: string }).code !== 'NOT_FOUND') throw error;
    }
  }

  /** One page of a delta round: the first call by path, later ones by the absolute next/delta link. */
  deltaPage(mailboxUserId: string, pathOrLink: string): Promise<DeltaPage> {
    return this.call(mailboxUserId, 'Delta query', () =>
      this.client.api(pathOrLink).header('Prefer', `${IMMUTABLE_IDS}, odata.maxpagesize=100`).get() as Promise<DeltaPage>);
  }

  static todoTasksDeltaPath(mailboxUserId: string, listId: string): string {
    return `/users/${u(mailboxUserId)}/todo/lists/${u(listId)}/tasks/delta`;
  }
}
