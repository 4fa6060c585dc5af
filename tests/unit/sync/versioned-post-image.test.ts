/**
 * Versioned post images: `npm run register` gives the post image an alias carrying a hash of its column list,
 * the webhook parser keeps the alias on the image row, and the worker trusts the absence of an attribute (null,
 * which Dataverse leaves out of images) only in an image whose alias matches what its own mappings register.
 */
import { createHash } from 'node:crypto';
import { IMAGE_ALIAS_ANNOTATION } from '../../../shared/dataverse/data-contract';
import { parseRemoteExecutionContext, toCrmChange } from '../../../shared/dataverse/remote-execution-context';
import { applyDirectionOverrides, CONTACT_MAPPING, RECORD_MAPPINGS, TASK_MAPPING, CRM_LOOKUP_COLUMNS } from '../../../shared/mappings';
import {
  desiredSteps, isPostImageAlias, postImageAlias, postImageAttributes, registeredPostImage, webhookColumnsByTable,
} from '../../../shared/registration/dataverse-registration';
import { crmValues, rowFromImage } from '../../../shared/sync/record-values';

const ADELE = '0a1b2c3d-0001-4e5f-8a9b-000000000001';
const TASK_ID = '5d0c9a6e-1111-4e5f-8a9b-00000000abcd';
const ctx = { windowsTimeZone: 'UTC', ianaTimeZone: 'Etc/UTC', mailboxAddress: 'adele@contoso.example' };

describe('the post image alias', () => {
  test('is PostImage_ and 8 hex digits of the sha256 of the sorted attribute list, the system columns included', () => {
    const attributes = postImageAttributes(['subject', 'description']);
    expect(attributes).toBe('description,modifiedon,ownerid,statecode,statuscode,subject,versionnumber');
    expect(postImageAlias(attributes)).toBe(`PostImage_${createHash('sha256').update(attributes).digest('hex').slice(0, 8)}`);
    expect(postImageAlias(attributes)).toMatch(/^PostImage_[0-9a-f]{8}$/);
    // The order the columns come in does not matter; the set does.
    expect(postImageAttributes(['description', 'subject', 'subject'])).toBe(attributes);
    expect(postImageAlias(postImageAttributes(['subject', 'description', 'category']))).not.toBe(postImageAlias(attributes));
  });

  test('is what registration registers for each table, and what the worker computes from its mappings', () => {
    const columns = webhookColumnsByTable(RECORD_MAPPINGS);
    for (const mapping of Object.values(RECORD_MAPPINGS)) {
      const registered = registeredPostImage(mapping);
      const steps = desiredSteps(columns).filter((s) => s.table === mapping.crmTable);
      const posts = steps.flatMap((s) => s.images.filter((i) => i.imagetype === 1));
      expect(posts).toHaveLength(3); // Create, Update, Assign
      for (const post of posts) {
        expect(post).toMatchObject({ entityalias: registered.alias, name: registered.alias });
        expect(new Set(post.attributes.split(','))).toEqual(registered.columns);
      }
      // The pre image (the owner before the change) keeps its alias.
      expect(steps.flatMap((s) => s.images.filter((i) => i.imagetype === 0)).map((i) => `${i.entityalias}:${i.attributes}`)).toEqual(['preimage:ownerid', 'preimage:ownerid', 'preimage:ownerid']);
    }
  });

  test('does not depend on the administrator\'s direction settings (they change no column)', () => {
    const overridden = applyDirectionOverrides(TASK_MAPPING, { description: 'crmToExchange' });
    expect(overridden).not.toBe(TASK_MAPPING);
    expect(registeredPostImage(overridden).alias).toBe(registeredPostImage(TASK_MAPPING).alias);
  });

  test('tells our post images (any version) from other images', () => {
    expect(isPostImageAlias('postimage')).toBe(true);
    expect(isPostImageAlias('PostImage_0123abcd')).toBe(true);
    expect(isPostImageAlias('AsynchronousStepPrimaryName')).toBe(false);
    expect(isPostImageAlias('preimage')).toBe(false);
    expect(isPostImageAlias('PostImage_0123abcdef')).toBe(false);
  });
});

/** A task post image as the webhook parser hands it over: only the non-null columns, and the alias. */
function taskImage(alias: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subject: 'Call Contoso back', prioritycode: 1, statecode: 0, statuscode: 2, versionnumber: 1234, modifiedon: '2026-11-25T10:00:00Z',
    _ownerid_value: ADELE, '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
    [IMAGE_ALIAS_ANNOTATION]: alias, ...extra,
  };
}

describe('rowFromImage', () => {
  const registered = registeredPostImage(TASK_MAPPING);

  test('an image with the registered alias stands for the row: every mapped column it lacks is null', () => {
    const image = taskImage(registered.alias);
    const row = rowFromImage(TASK_MAPPING, image, CRM_LOOKUP_COLUMNS, registered);
    expect(row).toBe(image); // filled in place: the engine tells a row from an image by identity
    expect(row).toMatchObject({ description: null, scheduledend: null, scheduledstart: null, actualend: null, percentcomplete: null, subject: 'Call Contoso back' });
    expect(crmValues(TASK_MAPPING, row!, ctx)).toMatchObject({ subject: 'Call Contoso back', description: null, dueDate: null, startDate: null, priority: 'normal', status: 'notStarted' });
    // The system columns are never made up.
    expect(row).toMatchObject({ _ownerid_value: ADELE, versionnumber: 1234, statecode: 0, statuscode: 2 });
  });

  test('an absent lookup of a versioned image becomes a null _x_value', () => {
    const contact = registeredPostImage(CONTACT_MAPPING);
    const image = { firstname: 'Nestor', lastname: 'Wilke', statecode: 0, statuscode: 1, versionnumber: 7, _ownerid_value: ADELE, [IMAGE_ALIAS_ANNOTATION]: contact.alias };
    const row = rowFromImage(CONTACT_MAPPING, image, CRM_LOOKUP_COLUMNS, contact);
    expect(row).toBeDefined();
    expect(row).toHaveProperty('_parentcustomerid_value', null);
    expect(row).not.toHaveProperty('parentcustomerid');
    expect(row).toMatchObject({ jobtitle: null, telephone1: null, address1_city: null });
  });

  test('a set lookup whose name the image lacks is still read', () => {
    const contact = registeredPostImage(CONTACT_MAPPING);
    const image = { firstname: 'Nestor', statecode: 0, statuscode: 1, versionnumber: 7, _ownerid_value: ADELE, _parentcustomerid_value: '0a1b2c3d-0000-0000-0000-0000000000aa', [IMAGE_ALIAS_ANNOTATION]: contact.alias };
    expect(rowFromImage(CONTACT_MAPPING, image, CRM_LOOKUP_COLUMNS, contact)).toBeUndefined();
    expect(rowFromImage(CONTACT_MAPPING, { ...image, '_parentcustomerid_value@OData.Community.Display.V1.FormattedValue': 'Fabrikam' }, CRM_LOOKUP_COLUMNS, contact)).toBeDefined();
  });

  test('an image with another alias (an older registration, other columns) is not trusted, and left as it came', () => {
    for (const alias of ['postimage', 'PostImage_00000000', 'AsynchronousStepPrimaryName']) {
      const image = taskImage(alias);
      expect(rowFromImage(TASK_MAPPING, image, CRM_LOOKUP_COLUMNS, registered)).toBeUndefined();
      expect(image).not.toHaveProperty('description');
    }
    // Without an alias at all (a work item enqueued before the upgrade): the same.
    const { [IMAGE_ALIAS_ANNOTATION]: _alias, ...bare } = taskImage(registered.alias);
    expect(rowFromImage(TASK_MAPPING, bare, CRM_LOOKUP_COLUMNS, registered)).toBeUndefined();
  });

  test('an image of any alias that holds every column is trusted as before', () => {
    const full = taskImage('postimage', { description: null, scheduledend: null, scheduledstart: null, actualend: null, percentcomplete: 0 });
    expect(rowFromImage(TASK_MAPPING, full, CRM_LOOKUP_COLUMNS, registered)).toBe(full);
  });

  test('a versioned image lacking a column Dataverse never leaves empty is not trusted', () => {
    for (const column of ['versionnumber', 'statecode', 'statuscode', '_ownerid_value']) {
      const image = taskImage(registered.alias);
      delete image[column];
      expect(rowFromImage(TASK_MAPPING, image, CRM_LOOKUP_COLUMNS, registered)).toBeUndefined();
    }
  });

  test('appointments are always read (no image carries their attendees)', () => {
    const appointment = registeredPostImage(RECORD_MAPPINGS.appointment);
    const image = { subject: 'Review', statecode: 0, statuscode: 1, versionnumber: 1, _ownerid_value: ADELE, [IMAGE_ALIAS_ANNOTATION]: appointment.alias };
    expect(rowFromImage(RECORD_MAPPINGS.appointment, image, CRM_LOOKUP_COLUMNS, appointment)).toBeUndefined();
  });
});

describe('the webhook parser', () => {
  const entity = (attributes: Array<{ key: string; value: unknown }>) => ({ Attributes: attributes, EntityState: null, FormattedValues: [], Id: TASK_ID, KeyAttributes: [], LogicalName: 'task', RelatedEntities: [], RowVersion: null });
  const body = (posts: Array<{ key: string; value: unknown }>) => ({
    MessageName: 'Update', PrimaryEntityName: 'task', PrimaryEntityId: TASK_ID, InitiatingUserId: ADELE, UserId: ADELE,
    PreEntityImages: [{ key: 'preimage', value: entity([{ key: 'ownerid', value: { Id: '0a1b2c3d-0002-4e5f-8a9b-000000000002', LogicalName: 'systemuser', Name: null } }]) }],
    PostEntityImages: posts,
  });
  const alias = registeredPostImage(TASK_MAPPING).alias;
  const ours = { key: alias, value: entity([{ key: 'subject', value: 'Call back' }, { key: 'versionnumber', value: 99 }]) };
  const primaryName = { key: 'AsynchronousStepPrimaryName', value: entity([{ key: 'subject', value: 'Call back' }, { key: 'activityid', value: TASK_ID }]) };

  test('keeps our post image, wherever it comes among the images, with its alias', () => {
    for (const posts of [[ours, primaryName], [primaryName, ours]]) {
      const change = toCrmChange(parseRemoteExecutionContext(body(posts)), { sizeExceeded: false, correlationId: 'c' });
      expect(change.postImage).toMatchObject({ subject: 'Call back', versionnumber: 99, [IMAGE_ALIAS_ANNOTATION]: alias });
      expect(change.versionNumber).toBe('99');
      expect(change.previousOwnerId).toBe('0a1b2c3d-0002-4e5f-8a9b-000000000002');
    }
  });

  test('an unversioned post image, or only the platform\'s, is kept with its own alias (so never trusted for nulls)', () => {
    const legacy = toCrmChange(parseRemoteExecutionContext(body([primaryName, { ...ours, key: 'postimage' }])), { sizeExceeded: false, correlationId: 'c' });
    expect(legacy.postImage?.[IMAGE_ALIAS_ANNOTATION]).toBe('postimage');
    const platformOnly = toCrmChange(parseRemoteExecutionContext(body([primaryName])), { sizeExceeded: false, correlationId: 'c' });
    expect(platformOnly.postImage?.[IMAGE_ALIAS_ANNOTATION]).toBe('AsynchronousStepPrimaryName');
  });
});
