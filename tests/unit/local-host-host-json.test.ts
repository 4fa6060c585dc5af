import { parseHostJson } from '../../tools/local-host/host-json';
import { parseTimeSpan } from '../../tools/local-host/timespan';

test('defaults: routePrefix api, the real host queue defaults', () => {
  expect(parseHostJson({ version: '2.0' })).toEqual({
    routePrefix: 'api',
    queues: { batchSize: 16, newBatchThreshold: 8, maxPollingIntervalMs: 60000, visibilityTimeoutMs: 0, maxDequeueCount: 5, messageEncoding: 'base64' },
  });
});

test('reads extensions.http and extensions.queues, TimeSpans or milliseconds', () => {
  const settings = parseHostJson({
    extensions: {
      http: { routePrefix: '/custom/' },
      queues: { batchSize: 5, maxPollingInterval: '00:00:02', visibilityTimeout: 1500, maxDequeueCount: 2, messageEncoding: 'None' },
    },
  });
  expect(settings).toEqual({
    routePrefix: 'custom',
    queues: { batchSize: 5, newBatchThreshold: 2, maxPollingIntervalMs: 2000, visibilityTimeoutMs: 1500, maxDequeueCount: 2, messageEncoding: 'none' },
  });
  expect(parseHostJson({ extensions: { http: { routePrefix: '' } } }).routePrefix).toBe('');
  expect(parseHostJson({ extensions: { queues: { maxPollingInterval: 10 } } }).queues.maxPollingIntervalMs).toBe(100); // floor
});

test('the project host.json parses', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = parseHostJson(require('../../host.json'));
  expect(settings.queues).toMatchObject({ batchSize: 32, newBatchThreshold: 16, maxPollingIntervalMs: 2000, visibilityTimeoutMs: 5000, maxDequeueCount: 5 });
});

test('out-of-range or malformed settings are errors that name the setting', () => {
  expect(() => parseHostJson({ extensions: { queues: { batchSize: 33 } } })).toThrow(/batchSize must be an integer from 1 to 32/);
  expect(() => parseHostJson({ extensions: { queues: { batchSize: 0 } } })).toThrow(/batchSize/);
  expect(() => parseHostJson({ extensions: { queues: { maxDequeueCount: 'x' } } })).toThrow(/maxDequeueCount/);
  expect(() => parseHostJson({ extensions: { queues: { messageEncoding: 'utf8' } } })).toThrow(/messageEncoding/);
  expect(() => parseHostJson({ extensions: { queues: { visibilityTimeout: 'soon' } } })).toThrow(/visibilityTimeout/);
});

test('TimeSpan strings', () => {
  expect(parseTimeSpan('00:00:02')).toBe(2000);
  expect(parseTimeSpan('00:05:00')).toBe(300000);
  expect(parseTimeSpan('1.02:00:00')).toBe(93600000);
  expect(parseTimeSpan('00:00:00.500')).toBe(500);
  expect(parseTimeSpan('01:30')).toBe(5400000);
  expect(() => parseTimeSpan('5 minutes')).toThrow(/not a TimeSpan/);
});
