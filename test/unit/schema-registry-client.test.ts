// The schema registry client's HTTP side: basic authentication is sent, and the registry's answers are told apart
// (404 = not found, a bad record's case; 5xx and no answer = unavailable, retriable; 401 = refused, check
// registry.auth). A local HTTP server answers as the Confluent API does; the real registry is in
// test/integration/schema-registry.test.ts.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryNotFoundError, RegistryRequestError, RegistryUnavailableError, SchemaRegistryClient } from '../../nodes/schema-registry.runtime';
import { closedPort } from '../support/ports';

let server: Server;
let url: string;
const seen: { method: string; url: string; authorization: string | undefined; body: string }[] = [];

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      const answer = (status: number, json: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Basic ${Buffer.from('key:secret').toString('base64')}`) return answer(401, { error_code: 401, message: 'Unauthorized' });
      if (req.url === '/api/schemas/ids/7') return answer(200, { schema: '"string"' });
      if (req.url === '/api/schemas/ids/8') return answer(200, { schema: 'syntax = "proto3"; message A {}', schemaType: 'PROTOBUF' });
      if (req.url === '/api/schemas/ids/500') return answer(503, { error_code: 50003, message: 'backing store unavailable' });
      if (req.url === '/api/subjects/orders-value/versions' && req.method === 'POST') return answer(200, { id: 21 });
      if (req.url === '/api/subjects/orders-value/versions/latest') return answer(200, { id: 21, subject: 'orders-value', version: 3, schema: '"int"' });
      return answer(404, { error_code: 40403, message: 'Schema not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const client = (password = 'secret'): SchemaRegistryClient => new SchemaRegistryClient({ url, auth: { username: 'key', password }, timeoutMs: 5000 });

describe('SchemaRegistryClient', () => {
  it('sends basic authentication, reads schemas by id (AVRO when the type is left out) and caches them', async () => {
    const c = client();
    expect(await c.schemaById(7)).toEqual({ id: 7, schemaType: 'AVRO', schema: '"string"', references: [] });
    expect((await c.schemaById(8)).schemaType).toBe('PROTOBUF');
    const before = seen.length;
    await Promise.all([c.schemaById(7), c.schemaById(7)]);
    expect(seen.length).toBe(before);
    expect(c.cached(7)?.schema).toBe('"string"');
    expect(seen.at(-1)!.authorization).toBe(`Basic ${Buffer.from('key:secret').toString('base64')}`);
  });

  it('registers under a subject and reads a subject version', async () => {
    const c = client();
    expect(await c.register('orders-value', 'AVRO', '"int"')).toBe(21);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ schema: '"int"', schemaType: 'AVRO' });
    expect(await c.subjectVersion('orders-value', 'latest')).toMatchObject({ id: 21, schemaType: 'AVRO', schema: '"int"' });
  });

  it('tells not found, refused, failed and unreachable apart', async () => {
    await expect(client().schemaById(99)).rejects.toThrow(new RegistryNotFoundError('schema id 99 not found in the schema registry (Schema not found)'));
    await expect(client().subjectVersion('nope-value', 2)).rejects.toBeInstanceOf(RegistryNotFoundError);
    const refused = client('wrong').schemaById(7);
    await expect(refused).rejects.toBeInstanceOf(RegistryRequestError);
    await expect(refused).rejects.toThrow(/refused schema id 7: HTTP 401 Unauthorized: check registry.auth$/);
    await expect(client().schemaById(500)).rejects.toThrow(new RegistryUnavailableError(`schema registry ${url.replace(/\/$/, '')} failed (schema id 500): HTTP 503 backing store unavailable`));
    const port = await closedPort();
    const away = new SchemaRegistryClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000 }).schemaById(1);
    await expect(away).rejects.toBeInstanceOf(RegistryUnavailableError);
    await expect(away).rejects.toThrow(`schema registry unreachable at http://127.0.0.1:${port} (schema id 1): ECONNREFUSED`);
  });
});
