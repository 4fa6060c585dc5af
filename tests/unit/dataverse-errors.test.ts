import { toDataverseRequestError } from '../../shared/dataverse/dataverse-errors';

describe('Dataverse failures, as the engine decides on them', () => {
  test('an edit refused because the activity was closed meanwhile is a lost race: retried, read afresh', () => {
    const error = toDataverseRequestError({ status: 400, code: '0x8004022e', message: 'The object cannot be updated because it is read-only.' }, 'Updating tasks(1)');
    expect(error).toMatchObject({ code: 'PRECONDITION_FAILED', status: 400, dataverseCode: '0x8004022e', transient: true });
    expect(error.message).toBe('Updating tasks(1) failed (400 0x8004022e): The object cannot be updated because it is read-only.');
  });

  test('other 400s are our bug or bad data: not retried; a 410 is an expired token, not a missing row', () => {
    expect(toDataverseRequestError({ status: 400, code: '0x80040203', message: 'A validation error occurred.' }, 'x')).toMatchObject({ code: 'INVALID_REQUEST', transient: false });
    expect(toDataverseRequestError({ status: 410, message: 'expired' }, 'x')).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(toDataverseRequestError({ status: 412, code: '0x80060882', message: 'etag' }, 'x')).toMatchObject({ code: 'PRECONDITION_FAILED', transient: true });
  });
});
