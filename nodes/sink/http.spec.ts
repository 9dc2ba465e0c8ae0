/** `sink.http`: POSTs batches of records as JSON arrays to a URL. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** HTTP header names (RFC 9110 tokens). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Config of `sink.http`. */
export const httpSinkConfigSchema = z.strictObject({
  url: z
    .string()
    .refine((url) => /^https?:\/\/[^/\s]/.test(url) || url.includes('${'), 'an HTTP URL starts with http:// or https://')
    .describe(
      'Where batches are sent, `http://` or `https://`, e.g. `https://api.example.com/events` or `${EVENTS_URL}`. No ' +
        'user:password in the URL: send credentials in `headers`.',
    ),
  method: z.enum(['POST', 'PUT']).default('POST').describe('HTTP method of each request.'),
  headers: z
    .record(
      z.string().regex(HEADER_NAME, 'a header name is a token: letters, digits and !#$%&\'*+.^_`|~-'),
      z.string().refine((v) => !/[\r\n\0]/.test(v), 'a header value cannot contain line breaks'),
    )
    .default({})
    .describe(
      'Request headers, e.g. `{ "Authorization": "Bearer ${API_TOKEN}" }`: write secrets as `${VAR}` so they come from ' +
        'the environment and stay out of the flow file. `Content-Type` defaults to `application/json`.',
    ),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(10_000)
    .describe('How long one request may take, response body included, before it fails and is retried (ms).')
    .apply(withFieldMeta, { advanced: true }),
  maxBatchRecords: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(500)
    .describe('Most records per request (records); larger batches are sent as several requests, one after the other.')
    .apply(withFieldMeta, { advanced: true }),
  envelope: z
    .boolean()
    .default(false)
    .describe('false: the body is a JSON array of record values; true: an array of `{ key, value, headers, timestamp }`.'),
});

/** Parsed config of `sink.http`. */
export type HttpSinkConfig = z.output<typeof httpSinkConfigSchema>;

/** Spec of `sink.http`. */
export const httpSinkSpec = defineNodeSpec({
  type: 'sink.http',
  kind: 'sink',
  version: 1,
  title: 'HTTP',
  description:
    'POSTs records as JSON arrays (up to `maxBatchRecords` per request) to a URL. Network errors, timeouts, 408, 429 ' +
    'and 5xx are retried with backoff while the sources pause; the records of a request answered with another 4xx (or ' +
    'a redirect) go to `error` with the status.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to send.' }],
  outputs: [],
  config: httpSinkConfigSchema,
  example: {
    url: '${EVENTS_URL:-http://127.0.0.1:8080/events}',
    headers: { Authorization: 'Bearer ${EVENTS_TOKEN}' },
    timeoutMs: 5000,
    maxBatchRecords: 200,
  },
});
