import { BadRequestError } from '../../shared/errors';
import { matchesAnySecret } from '../../shared/secrets';
import { acceptDataverseDelivery, WEBHOOK_SECRET_HEADER } from '../../shared/webhooks/dataverse-webhook';
import { fixture } from '../support/fixtures';

const body = Buffer.from(JSON.stringify(fixture('dataverse/webhook-update-contact-async-postoperation.json')));
const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] ?? null });

function refusal(fn: () => unknown): BadRequestError {
  try { fn(); } catch (e) { if (e instanceof BadRequestError) return e; throw e; }
  throw new Error('expected a refusal');
}

describe('Dataverse webhook deliveries', () => {
  test('a documented delivery becomes a work item; the size-exceeded header is carried', () => {
    const item = acceptDataverseDelivery({ headers: headers({ 'content-type': 'application/json', 'x-ms-dynamics-msg-size-exceeded': 'true' }), body }, [], 'corr-1');
    expect(item).toMatchObject({ recordType: 'contact', message: 'Update', correlationId: 'corr-1', sizeExceeded: true });
  });

  test('with shared secrets configured, the header must carry one of them (two valid during a rotation)', () => {
    const secrets = ['old-secret', 'new-secret'];
    expect(refusal(() => acceptDataverseDelivery({ headers: headers({}), body }, secrets, 'c'))).toMatchObject({ status: 401 });
    expect(refusal(() => acceptDataverseDelivery({ headers: headers({ [WEBHOOK_SECRET_HEADER]: 'new-secreT' }), body }, secrets, 'c'))).toMatchObject({ status: 401 });
    for (const s of secrets) {
      expect(acceptDataverseDelivery({ headers: headers({ [WEBHOOK_SECRET_HEADER]: s }), body }, secrets, 'c').crmId).toBe('6d81597f-0f9f-e711-8122-000d3aa2331c');
    }
  });

  test('bad bodies are refused with precise 4xx codes', () => {
    expect(refusal(() => acceptDataverseDelivery({ headers: headers({}), body: Buffer.from('{not json') }, [], 'c'))).toMatchObject({ status: 400, code: 'InvalidJson' });
    expect(refusal(() => acceptDataverseDelivery({ headers: headers({ 'content-type': 'text/xml' }), body }, [], 'c'))).toMatchObject({ status: 415 });
    expect(refusal(() => acceptDataverseDelivery({ headers: headers({}), body: Buffer.alloc(2 * 1024 * 1024, 32) }, [], 'c'))).toMatchObject({ status: 413 });
    expect(refusal(() => acceptDataverseDelivery({ headers: headers({}), body: Buffer.from('{"MessageName":"Update"}') }, [], 'c'))).toMatchObject({ status: 400, code: 'InvalidRemoteExecutionContext' });
  });

  test('secret comparison', () => {
    expect(matchesAnySecret('a', ['a'])).toBe(true);
    expect(matchesAnySecret('a', [])).toBe(false);
    expect(matchesAnySecret(null, ['a'])).toBe(false);
    expect(matchesAnySecret('ab', ['a', 'b'])).toBe(false);
  });
});
