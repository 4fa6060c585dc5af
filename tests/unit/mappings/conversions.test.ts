import fc from 'fast-check';
import {
  canonicalBody, canonicalDateOnly, canonicalInstant, canonicalPlainText, canonicalText, htmlToText, priorityField, textBody,
} from '../../../shared/mappings/conversions';
import { renderBody } from '../../emulators/graph/item-body';
import { fixture } from '../../support/fixtures';
import { arb, UTC } from './support';

describe('text', () => {
  test('single-line text is trimmed, empty is null, and cut to the column length', () => {
    expect(canonicalText('  +1 (555) 0100 ')).toBe('+1 (555) 0100');
    expect(canonicalText('')).toBeNull();
    expect(canonicalText('   ')).toBeNull();
    expect(canonicalText(null)).toBeNull();
    expect(canonicalText(42)).toBeNull();
    expect(canonicalText('abcdef', 3)).toBe('abc');
    expect(canonicalText('ab cdef', 3)).toBe('ab');
    // A surrogate pair is never split in half.
    expect(canonicalText('ab😀', 3)).toBe('ab');
  });

  test('plain text: CRLF, tabs, repeated spaces and blank lines normalise', () => {
    expect(canonicalPlainText('  Line 1\r\n\tLine   2 \r\n\r\n\r\n\r\nLine 3\n\n')).toBe('Line 1\nLine 2\n\nLine 3');
    expect(canonicalPlainText('\n \n')).toBeNull();
  });

  test('property: the normalisers are idempotent', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (s, max) => {
      const t = canonicalText(s, max);
      expect(canonicalText(t, max)).toBe(t);
      const p = canonicalPlainText(s, max);
      expect(canonicalPlainText(p, max)).toBe(p);
    }), { numRuns: 500 });
  });
});

describe('bodies', () => {
  test("Outlook's HTML body (fixture event.json) reads as its text", () => {
    const event = fixture('graph/event.json');
    expect(canonicalBody(event.body)).toBe('Does late morning work for you?');
  });

  test('HTML paragraphs, divs and <br> become lines; entities decode once; head, styles and comments go', () => {
    const html = '<html><head><meta charset="utf-8"><style>p{margin:0}</style></head><body><!-- x -->'
      + '<div>Agenda:</div><div><br></div><div><ul><li>Q3 &amp; Q4</li><li>a &lt;b&gt; c&nbsp;&nbsp;d</li></ul></div>'
      + '<p>See <a href="https://contoso.com">contoso</a></p><p>&amp;lt; stays literal</p></body></html>';
    expect(htmlToText(html).split('\n').map((l) => l.trim()).filter(Boolean)).toEqual([
      'Agenda:', 'Q3 & Q4', 'a <b> c  d', 'See contoso', '&lt; stays literal',
    ]);
    expect(canonicalBody({ contentType: 'html', content: html })).toBe('Agenda:\n\nQ3 & Q4\na <b> c d\nSee contoso\n&lt; stays literal');
  });

  test('a To Do text body (fixture todo-task.json: empty) is null', () => {
    expect(canonicalBody(fixture('graph/todo-task.json').body)).toBeNull();
  });

  test('property: text we write comes back equal whether Graph returns it as text or as its HTML rendering', () => {
    fc.assert(fc.property(arb.plainText(5000), (value) => {
      const written = textBody(value);
      expect(canonicalBody(written)).toEqual(value);
      expect(canonicalBody(renderBody(written, false))).toEqual(value); // Graph's default: HTML
      expect(canonicalBody(renderBody(written, true))).toEqual(value); // Prefer: outlook.body-content-type="text"
    }), { numRuns: 500 });
  });
});

describe('instants and dates', () => {
  test('instants: ISO UTC to the second, from strings with Z/offset and from Date objects (dynamics-web-api)', () => {
    expect(canonicalInstant('2023-04-18T20:00:00Z')).toBe('2023-04-18T20:00:00Z');
    expect(canonicalInstant('2023-04-18T20:00:00.000Z')).toBe('2023-04-18T20:00:00Z');
    expect(canonicalInstant('2023-04-18T13:00:00-07:00')).toBe('2023-04-18T20:00:00Z');
    expect(canonicalInstant(new Date('2023-04-18T20:00:00.999Z'))).toBe('2023-04-18T20:00:00Z');
    // No zone: not an instant (Date.parse would read it in the server's local zone).
    expect(canonicalInstant('2023-04-18T20:00:00')).toBeNull();
    expect(canonicalInstant(null)).toBeNull();
  });

  test('date-only values: DateOnly strings as they are, instants to the nearest UTC midnight', () => {
    expect(canonicalDateOnly('1974-07-22')).toBe('1974-07-22');
    expect(canonicalDateOnly('1974-07-22T00:00:00Z')).toBe('1974-07-22');
    expect(canonicalDateOnly('1974-07-22T11:59:00Z')).toBe('1974-07-22');
    expect(canonicalDateOnly('1974-07-21T22:00:00Z')).toBe('1974-07-22'); // local midnight in Paris (CEST)
    expect(canonicalDateOnly('1974-07-22T05:00:00Z')).toBe('1974-07-22'); // local midnight in Chicago (CDT)
    expect(canonicalDateOnly('1974-02-30')).toBeNull();
  });
});

describe('priority ↔ importance', () => {
  const priority = priorityField();
  test.each([
    [0, 'low'], [1, 'normal'], [2, 'high'],
  ])('prioritycode %i ↔ %s', (code, word) => {
    expect(priority.fromCrm({ prioritycode: code }, UTC)).toBe(word);
    expect(priority.fromGraph({ importance: word }, UTC)).toBe(word);
    expect(priority.toCrm(word, UTC)).toEqual({ prioritycode: code });
    expect(priority.toGraph(word, UTC)).toEqual({ importance: word });
  });

  test('an unset priority is normal on both sides (no false change against Graph, which always has one)', () => {
    expect(priority.fromCrm({ prioritycode: null }, UTC)).toBe('normal');
    expect(priority.fromCrm({}, UTC)).toBe('normal');
    expect(priority.fromGraph({}, UTC)).toBe('normal');
    expect(priority.fromGraph({ importance: 'High' }, UTC)).toBe('high');
  });
});
