/**
 * The Graph v1.0 type descriptions extracted from Microsoft's CSDL (fixtures/schema, see its README), as
 * one lookup table. The emulator validates request bodies, `$select`, `$filter` and `$orderby` against it
 * (so that a property the real service does not know is rejected here too), and the test helper
 * `schema-check.ts` walks responses against it.
 */
import attendee from './fixtures/schema/attendee.json';
import attendeeBase from './fixtures/schema/attendeeBase.json';
import changeNotification from './fixtures/schema/changeNotification.json';
import changeNotificationCollection from './fixtures/schema/changeNotificationCollection.json';
import changeNotificationEncryptedContent from './fixtures/schema/changeNotificationEncryptedContent.json';
import checklistItem from './fixtures/schema/checklistItem.json';
import contact from './fixtures/schema/contact.json';
import dateTimeTimeZone from './fixtures/schema/dateTimeTimeZone.json';
import emailAddress from './fixtures/schema/emailAddress.json';
import enums from './fixtures/schema/enums.json';
import event from './fixtures/schema/event.json';
import extension from './fixtures/schema/extension.json';
import itemBody from './fixtures/schema/itemBody.json';
import linkedResource from './fixtures/schema/linkedResource.json';
import location from './fixtures/schema/location.json';
import multiValueLegacyExtendedProperty from './fixtures/schema/multiValueLegacyExtendedProperty.json';
import onlineMeetingInfo from './fixtures/schema/onlineMeetingInfo.json';
import openTypeExtension from './fixtures/schema/openTypeExtension.json';
import outlookGeoCoordinates from './fixtures/schema/outlookGeoCoordinates.json';
import outlookItem from './fixtures/schema/outlookItem.json';
import patternedRecurrence from './fixtures/schema/patternedRecurrence.json';
import phone from './fixtures/schema/phone.json';
import physicalAddress from './fixtures/schema/physicalAddress.json';
import recipient from './fixtures/schema/recipient.json';
import recurrencePattern from './fixtures/schema/recurrencePattern.json';
import recurrenceRange from './fixtures/schema/recurrenceRange.json';
import resourceData from './fixtures/schema/resourceData.json';
import responseStatus from './fixtures/schema/responseStatus.json';
import singleValueLegacyExtendedProperty from './fixtures/schema/singleValueLegacyExtendedProperty.json';
import subscription from './fixtures/schema/subscription.json';
import timeSlot from './fixtures/schema/timeSlot.json';
import todoTask from './fixtures/schema/todoTask.json';
import todoTaskList from './fixtures/schema/todoTaskList.json';

export interface SchemaProperty {
  name: string;
  /** e.g. `Edm.String`, `microsoft.graph.dateTimeTimeZone`, `Collection(microsoft.graph.attendee)` */
  type: string;
  nullable: boolean;
  declaredOn: string;
}

export interface SchemaNavigationProperty {
  name: string;
  type: string;
  declaredOn: string;
  containsTarget?: boolean;
}

export interface SchemaType {
  type: string;
  kind: 'EntityType' | 'ComplexType';
  baseTypeChain: string[];
  abstract: boolean;
  openType: boolean;
  properties: SchemaProperty[];
  navigationProperties?: SchemaNavigationProperty[];
}

const TYPES = [
  attendee, attendeeBase, changeNotification, changeNotificationCollection, changeNotificationEncryptedContent,
  checklistItem, contact, dateTimeTimeZone, emailAddress, event, extension, itemBody, linkedResource, location,
  multiValueLegacyExtendedProperty, onlineMeetingInfo, openTypeExtension, outlookGeoCoordinates, outlookItem,
  patternedRecurrence, phone, physicalAddress, recipient, recurrencePattern, recurrenceRange, resourceData,
  responseStatus, singleValueLegacyExtendedProperty, subscription, timeSlot, todoTask, todoTaskList,
] as unknown as SchemaType[];

const byName = new Map(TYPES.map((t) => [t.type, t]));
const enumMembers = new Map(
  Object.entries((enums as { enums: Record<string, { members: string[] }> }).enums).map(([name, e]) => [name, e.members]),
);

/** `event` or `microsoft.graph.event` → the type description (undefined when not extracted). */
export function schemaType(name: string): SchemaType | undefined {
  return byName.get(name.includes('.') ? name : `microsoft.graph.${name}`);
}

export function enumValues(typeName: string): string[] | undefined {
  return enumMembers.get(typeName);
}

export function findProperty(type: SchemaType, name: string): SchemaProperty | undefined {
  return type.properties.find((p) => p.name === name);
}

export function findNavigation(type: SchemaType, name: string): SchemaNavigationProperty | undefined {
  return type.navigationProperties?.find((p) => p.name === name);
}

/** `Collection(X)` → { element: X, collection: true } */
export function unwrapCollection(type: string): { element: string; collection: boolean } {
  const m = /^Collection\((.+)\)$/.exec(type);
  return m ? { element: m[1]!, collection: true } : { element: type, collection: false };
}

/**
 * Resolves a `/`-separated property path (as in `$filter=start/dateTime ge ...`) from an entity type.
 * Returns the type of the last segment, or undefined when a segment is unknown.
 */
export function resolvePath(type: SchemaType, segments: string[]): { type: string; collection: boolean } | undefined {
  let current: SchemaType | undefined = type;
  let result: { type: string; collection: boolean } | undefined;
  for (const segment of segments) {
    if (!current) return undefined;
    const prop = findProperty(current, segment);
    if (!prop) return undefined;
    const { element, collection } = unwrapCollection(prop.type);
    result = { type: element, collection };
    current = element.startsWith('Edm.') ? undefined : schemaType(element);
    if (!current && !element.startsWith('Edm.') && !enumValues(element)) return undefined;
  }
  return result;
}
