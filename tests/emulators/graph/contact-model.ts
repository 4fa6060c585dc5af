/**
 * The contact and contactFolder resources: writable properties (every structural property of the v1.0
 * contact type except the server-managed ones) and the representation Graph returns (property set and
 * order as in fixtures/contact.json, with its empty-collection / null / {} conventions).
 */
import type { ReadBody } from './body';
import { idOf } from './env';
import { readExtendedProperties, expandExtended } from './extended-properties';
import type { ResourceModel } from './odata-query';
import { etag, type Prefs } from './request';
import { schemaType } from './schema';
import type { ExtendedProperty, Mailbox, StoredItem } from './store';
import { formatOffset } from './time';
import type { RenderOptions } from './event-model';

export const CONTACT_MODEL: ResourceModel = {
  schema: schemaType('contact')!,
  serviceTypeName: 'Microsoft.OutlookServices.Contact',
  todoStyle: false,
  filterNavigation: ['singleValueExtendedProperties'],
  expandable: ['singleValueExtendedProperties'],
};

const SERVER_MANAGED = new Set(['id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'parentFolderId']);
export const CONTACT_WRITABLE = new Set(CONTACT_MODEL.schema.properties.map((p) => p.name).filter((n) => !SERVER_MANAGED.has(n)));

export function contactWrite(body: ReadBody, existing?: StoredItem): { props: Record<string, unknown>; extended: ExtendedProperty[] } {
  const props = { ...body.props };
  if (!existing && props.displayName === undefined) {
    // Exchange composes the display name from the name parts when none is given.
    props.displayName = [props.givenName, props.middleName, props.surname].filter((x) => typeof x === 'string' && x).join(' ');
  }
  const extended = body.navigation.singleValueExtendedProperties !== undefined ? readExtendedProperties(body.navigation.singleValueExtendedProperties) : [];
  return { props, extended };
}

const LISTS = ['imAddresses', 'homePhones', 'businessPhones', 'children', 'emailAddresses', 'categories'];
const ADDRESSES = ['homeAddress', 'businessAddress', 'otherAddress'];
const ORDER = [
  'birthday', 'fileAs', 'displayName', 'givenName', 'initials', 'middleName', 'nickName', 'surname', 'title',
  'yomiGivenName', 'yomiSurname', 'yomiCompanyName', 'generation', 'imAddresses', 'jobTitle', 'companyName',
  'department', 'officeLocation', 'profession', 'businessHomePage', 'assistantName', 'manager', 'homePhones',
  'mobilePhone', 'businessPhones', 'spouseName', 'personalNotes', 'children', 'emailAddresses', 'homeAddress',
  'businessAddress', 'otherAddress',
];

export function renderContact(mailbox: Mailbox, item: StoredItem, prefs: Prefs, options: RenderOptions = {}): Record<string, unknown> {
  const p = item.props;
  const rep: Record<string, unknown> = {
    '@odata.etag': etag(item.changeKey),
    id: idOf(mailbox, item, prefs.immutableIds),
    createdDateTime: formatOffset(item.createdMs),
    lastModifiedDateTime: formatOffset(item.modifiedMs),
    changeKey: item.changeKey,
    categories: p.categories ?? [],
    parentFolderId: idOf(mailbox, { kind: 'contactFolder', key: item.containerKey ?? mailbox.defaultContactFolderKey }, prefs.immutableIds),
  };
  for (const name of ORDER) {
    const v = p[name];
    if (LISTS.includes(name)) rep[name] = v ?? [];
    else if (ADDRESSES.includes(name)) rep[name] = v ?? {};
    else if (name === 'fileAs' || name === 'personalNotes') rep[name] = v ?? '';
    else rep[name] = v ?? null;
  }
  for (const name of ['primaryEmailAddress', 'secondaryEmailAddress', 'tertiaryEmailAddress']) {
    if (p[name] !== undefined) rep[name] = p[name];
  }
  if (options.expand) expandExtended(item, rep, options.expand);
  return rep;
}

export function renderContactFolder(mailbox: Mailbox, folder: StoredItem, prefs: Prefs): Record<string, unknown> {
  const isDefault = folder.key === mailbox.defaultContactFolderKey;
  return {
    id: idOf(mailbox, folder, prefs.immutableIds),
    displayName: folder.props.displayName,
    // The default folder's parent is the mailbox root, which this emulator does not expose.
    parentFolderId: idOf(mailbox, { kind: 'contactFolder', key: isDefault ? mailbox.tag : mailbox.defaultContactFolderKey }, prefs.immutableIds),
  };
}
