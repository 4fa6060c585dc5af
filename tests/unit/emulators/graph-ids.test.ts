import { decodeId, encodeId, mailboxTag, newKey } from '../../emulators/graph/ids';

const tag = mailboxTag('3f6e2a90-1b7c-4d5e-8f21-0a9b8c7d6e51');

test('regular and immutable ids are different strings naming the same item', () => {
  const key = newKey();
  const regular = encodeId(tag, 'event', key, false);
  const immutable = encodeId(tag, 'event', key, true);
  expect(regular).not.toBe(immutable);
  expect(regular.startsWith('AAMkA')).toBe(true);
  expect(immutable.startsWith('AAkALg')).toBe(true);
  expect(decodeId(regular)).toEqual({ tag, kind: 'event', key, immutable: false });
  expect(decodeId(immutable)).toEqual({ tag, kind: 'event', key, immutable: true });
});

test('ids are about as long as Exchange ids and use Graph\'s URL-safe base64 alphabet', () => {
  const id = encodeId(tag, 'contact', newKey());
  expect(id.length).toBeGreaterThanOrEqual(140);
  expect(id).toMatch(/^[A-Za-z0-9_-]+={0,2}$/);
});

test('tampered or foreign strings do not decode', () => {
  const id = encodeId(tag, 'todoTask', newKey());
  expect(decodeId(`${id.slice(0, 60)}A${id.slice(61)}`)).toBeUndefined();
  expect(decodeId('AAMkAGI1AAAt9AHjAAA=')).toBeUndefined();
  expect(decodeId('not an id')).toBeUndefined();
});
