/**
 * Outlook's handling of item bodies: a body is stored as sent (text or HTML), and read back as HTML by
 * default — text is escaped and wrapped, bare HTML gets Exchange's <html><head>…</head><body> envelope —
 * or as text with `Prefer: outlook.body-content-type="text"`. `bodyPreview` is the first 255 characters of
 * the text. A sync that compares bodies byte for byte with what it wrote meets the same surprise as in
 * production.
 */

export interface StoredBody {
  contentType: 'text' | 'html';
  content: string;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function htmlToText(html: string): string {
  return html
    .replace(/<head[\s\S]*?<\/head>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
    .replace(/\r\n/g, '\n')
    .trim();
}

const HEAD = '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n<body>\r\n';
const TAIL = '\r\n</body>\r\n</html>\r\n';

export function renderBody(body: StoredBody, asText: boolean): StoredBody {
  if (asText) return { contentType: 'text', content: body.contentType === 'text' ? body.content : htmlToText(body.content) };
  if (body.content === '') return { contentType: 'html', content: '' };
  if (body.contentType === 'html') {
    return { contentType: 'html', content: /<html[\s>]/i.test(body.content) ? body.content : `${HEAD}${body.content}${TAIL}` };
  }
  return { contentType: 'html', content: `${HEAD}<div>${escapeHtml(body.content).replace(/\r?\n/g, '<br>\r\n')}</div>${TAIL}` };
}

export function bodyPreview(body: StoredBody): string {
  const text = body.contentType === 'text' ? body.content : htmlToText(body.content);
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}
