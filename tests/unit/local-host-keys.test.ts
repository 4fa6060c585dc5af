import { isAuthorized, requestKey, resolveKeys } from '../../tools/local-host/keys';

const keys = { masterKey: 'master', hostKeys: ['host'], functionKeys: { webhook: ['fn'] } };

test('anonymous needs no key; function accepts its own key, a host key or the master key', () => {
  expect(isAuthorized('anonymous', 'webhook', undefined, keys)).toBe(true);
  expect(isAuthorized('function', 'webhook', undefined, keys)).toBe(false);
  expect(isAuthorized('function', 'webhook', 'fn', keys)).toBe(true);
  expect(isAuthorized('function', 'WebHook', 'fn', keys)).toBe(true);
  expect(isAuthorized('function', 'other', 'fn', keys)).toBe(false);
  expect(isAuthorized('function', 'other', 'host', keys)).toBe(true);
  expect(isAuthorized('function', 'other', 'master', keys)).toBe(true);
  expect(isAuthorized(undefined, 'other', undefined, keys)).toBe(false); // default level is function
  expect(isAuthorized('function', 'webhook', 'fnx', keys)).toBe(false);
});

test('admin accepts only the master key', () => {
  expect(isAuthorized('admin', 'x', 'host', keys)).toBe(false);
  expect(isAuthorized('admin', 'x', 'master', keys)).toBe(true);
});

test('the key comes from x-functions-key or the code query parameter', () => {
  expect(requestKey(new URL('http://h/api/x?code=q'), undefined)).toBe('q');
  expect(requestKey(new URL('http://h/api/x?code=q'), 'h')).toBe('h');
  expect(requestKey(new URL('http://h/api/x'), undefined)).toBeUndefined();
});

test('options, then LOCAL_HOST_KEYS, else random keys', () => {
  expect(resolveKeys({ hostKeys: ['a'] }, {})).toEqual({ keys: { masterKey: undefined, hostKeys: ['a'], functionKeys: {} }, generated: false });
  const fromEnv = resolveKeys(undefined, { LOCAL_HOST_KEYS: JSON.stringify({ functionKeys: { Hook: ['k'] } }) });
  expect(fromEnv.keys.functionKeys).toEqual({ hook: ['k'] });
  const generated = resolveKeys(undefined, {});
  expect(generated.generated).toBe(true);
  expect(generated.keys.masterKey).toMatch(/^[\w-]{40}$/);
  expect(generated.keys.hostKeys[0]).toMatch(/^[\w-]{40}$/);
  expect(generated.keys.hostKeys[0]).not.toBe(generated.keys.masterKey);
  expect(() => resolveKeys(undefined, { LOCAL_HOST_KEYS: '{' })).toThrow(/LOCAL_HOST_KEYS is not JSON/);
});
