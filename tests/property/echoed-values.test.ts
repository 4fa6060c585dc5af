/**
 * Graph and Dataverse quote the value they refuse in their error messages; our errors carry those messages
 * into logs, exception traces, poison entries and alerts. Whatever the value (quotes, newlines, the words of
 * the message itself), it is gone from the message, and the explanation around it stays.
 */
import fc from 'fast-check';
import { describeFailure, withoutEchoedValues } from '../../shared/service-errors';

const value = fc.oneof(fc.string({ unit: 'grapheme', minLength: 6, maxLength: 60 }), fc.constantFrom("O'Brien & Sons", "it's 'quoted' twice", 'line\nbreak value', "literal 'x' to the expected type"));

test('the literal OData refuses is not repeated ("Cannot convert the literal …")', () => {
  fc.assert(fc.property(value, fc.constantFrom('Edm.Int32', 'Edm.DateTimeOffset', 'Edm.String'), (v, type) => {
    const message = describeFailure('Updating contacts(1)', 400, '0x80048d19', `Error identified in Payload provided by the user for Entity :'contacts'  ---->  InnerException : Microsoft.OData.ODataException: Cannot convert the literal '${v}' to the expected type '${type}'.`);
    expect(message).not.toContain(v);
    expect(message).toContain(`to the expected type '${type}'`);
    expect(message).toContain("Entity :'contacts'");
  }), { numRuns: 500 });
});

test('the value of an out-of-range column is not repeated ("The value … of \'column\'")', () => {
  fc.assert(fc.property(value.filter((v) => !v.includes(" of '")), (v) => {
    const message = withoutEchoedValues(`A validation error occurred. The value ${v} of 'prioritycode' on record of type 'task' is outside the valid range.`);
    expect(message).not.toContain(v);
    expect(message).toContain("of 'prioritycode' on record of type 'task' is outside the valid range");
  }), { numRuns: 500 });
});

test('messages without an echoed value are left as they are', () => {
  for (const m of ["A validation error occurred.  The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'.", 'Injected 400.', 'task With Id = 1 Does Not Exist']) {
    expect(withoutEchoedValues(m)).toBe(m);
  }
});
