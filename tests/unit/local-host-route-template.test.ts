import { compileRoute, comparePrecedence } from '../../tools/local-host/route-template';

test('literal segments match case-insensitively, with or without a trailing slash', () => {
  const route = compileRoute('webhooks/dataverse');
  expect(route.match('webhooks/dataverse')).toEqual({});
  expect(route.match('/Webhooks/DATAVERSE/')).toEqual({});
  expect(route.match('webhooks')).toBeUndefined();
  expect(route.match('webhooks/dataverse/extra')).toBeUndefined();
});

test('parameters, optional parameters, defaults and URL-decoding', () => {
  const route = compileRoute('items/{id}/{name?}');
  expect(route.match('items/42/a%20b')).toEqual({ id: '42', name: 'a b' });
  expect(route.match('items/42')).toEqual({ id: '42' });
  expect(route.match('items')).toBeUndefined();
  expect(compileRoute('pages/{page=1}').match('pages')).toEqual({ page: '1' });
  expect(compileRoute('pages/{page=1}').match('pages/3')).toEqual({ page: '3' });
});

test('constraints: int, guid, bool, alpha, ranges, lengths, regex; several on one parameter', () => {
  expect(compileRoute('n/{n:int}').match('n/-12')).toEqual({ n: '-12' });
  expect(compileRoute('n/{n:int}').match('n/1.5')).toBeUndefined();
  expect(compileRoute('n/{n:int}').match('n/99999999999')).toBeUndefined();
  expect(compileRoute('n/{n:long}').match('n/99999999999')).toEqual({ n: '99999999999' });
  const guid = compileRoute('m/{id:guid}');
  expect(guid.match('m/3F6E2A90-1B7C-4D5E-8F21-0A9B8C7D6E51')).toEqual({ id: '3F6E2A90-1B7C-4D5E-8F21-0A9B8C7D6E51' });
  expect(guid.match('m/3f6e2a901b7c4d5e8f210a9b8c7d6e51')).toBeDefined();
  expect(guid.match('m/not-a-guid')).toBeUndefined();
  expect(compileRoute('b/{flag:bool}').match('b/TRUE')).toEqual({ flag: 'TRUE' });
  expect(compileRoute('a/{w:alpha}').match('a/abc1')).toBeUndefined();
  const ranged = compileRoute('r/{n:int:range(1,5)}');
  expect(ranged.match('r/5')).toEqual({ n: '5' });
  expect(ranged.match('r/6')).toBeUndefined();
  expect(compileRoute('r/{n:min(10)}').match('r/9')).toBeUndefined();
  expect(compileRoute('s/{s:minlength(2):maxlength(3)}').match('s/abcd')).toBeUndefined();
  expect(compileRoute('s/{s:length(2)}').match('s/ab')).toEqual({ s: 'ab' });
  expect(compileRoute('z/{code:regex(^[a-z]{{2}}-\\d+$)}').match('z/ab-12')).toEqual({ code: 'ab-12' });
  expect(compileRoute('z/{code:regex(^[a-z]{{2}}-\\d+$)}').match('z/abc-12')).toBeUndefined();
  expect(compileRoute('z/{code:regex(^ab-\\d+$)}').match('z/ab-12')).toEqual({ code: 'ab-12' });
  expect(compileRoute('z/{code:regex(^ab-\\d+$)}').match('z/ab-x')).toBeUndefined();
  expect(compileRoute('o/{id:int?}').match('o')).toEqual({});
});

test('catch-all takes the rest of the path, and may be empty', () => {
  const route = compileRoute('files/{*path}');
  expect(route.match('files/a/b%2Fc/d.txt')).toEqual({ path: 'a/b/c/d.txt' });
  expect(route.match('files')).toEqual({});
  expect(() => compileRoute('files/{*path}/more')).toThrow(/last segment/);
});

test('segments mixing text and parameters', () => {
  expect(compileRoute('docs/{name}.{ext}').match('docs/report.final.pdf')).toEqual({ name: 'report', ext: 'final.pdf' });
  expect(compileRoute('v{version:int}/status').match('v2/status')).toEqual({ version: '2' });
  expect(compileRoute('v{version:int}/status').match('vx/status')).toBeUndefined();
});

test('bad templates are rejected when compiled', () => {
  expect(() => compileRoute('a/{id:nosuch}')).toThrow(/unknown constraint/);
  expect(() => compileRoute('a/{id')).toThrow(/unclosed/);
  expect(() => compileRoute('a/{1x}')).toThrow(/bad parameter name/);
});

test('precedence: literals before constrained parameters before parameters before catch-alls', () => {
  const routes = ['items/{*rest}', 'items/{id}', 'items/{id:int}', 'items/new'].map((t) => compileRoute(t));
  expect(routes.sort(comparePrecedence).map((r) => r.template)).toEqual(['items/new', 'items/{id:int}', 'items/{id}', 'items/{*rest}']);
});

describe('routes the real host refuses', () => {
  test("a route starting with 'admin' or 'runtime' stops start-up, as on Azure", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { httpRoutes } = require('../../tools/local-host/http-listener') as typeof import('../../tools/local-host/http-listener');
    const fn = (route: string) => ({ metadata: { name: 'f', bindings: { t: { type: 'httpTrigger', direction: 'in', route } } }, callback: () => undefined }) as never;
    expect(() => httpRoutes([fn('admin/mailboxes')])).toThrow(/conflicts with one or more built in routes/);
    expect(() => httpRoutes([fn('runtime/x')])).toThrow(/built in routes/);
    expect(httpRoutes([fn('mailboxes/{id}')])).toHaveLength(1);
  });
});
