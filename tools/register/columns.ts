/**
 * The Dataverse columns a sync of each table maps: the Update steps' filtering attributes and the post
 * images' columns (registration adds ownerid, statecode, statuscode, versionnumber and modifiedon itself).
 * Derived from the field mappings (each field's crmColumns; appointment parties stand for the PartyList
 * columns requiredattendees, optionalattendees and organizer) with the same function `npm start` uses, so
 * the sandbox and `npm run register` register identical steps: a run after the other changes nothing.
 * A column missing here is a change that never syncs; a column too many only costs an event that ends in
 * "nothing to do".
 */
import { RECORD_MAPPINGS } from '../../shared/mappings';
import { webhookColumnsByTable } from '../../shared/registration/dataverse-registration';

export function columnsByTable(): Record<string, string[]> {
  return webhookColumnsByTable(RECORD_MAPPINGS);
}
