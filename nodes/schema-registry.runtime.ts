/**
 * A client of the Confluent Schema Registry REST API (as served by Confluent Schema Registry, Apicurio Registry's
 * `/apis/ccompat/v7`, Karapace, Redpanda): schemas by id (cached for the life of the client: a schema id never changes
 * its schema), subject versions with the schemas they reference, registration. Node-only (global `fetch`).
 *
 * Failures are told apart because they mean different things to a record:
 * - {@link RegistryUnavailableError}: the registry did not answer (connection refused, timeout, HTTP 5xx, 429): the
 *   record is fine, the read or write is retried;
 * - {@link RegistryNotFoundError}: the registry answered that the schema id, subject or version does not exist
 *   (HTTP 404): for a record, a bad record;
 * - {@link RegistryRequestError}: any other refusal (401/403 credentials, 409 incompatible schema, 422 invalid schema).
 */
import type { RegistryConfig } from './schema-registry.spec';

/** A schema as the registry holds it. `schemaType` is AVRO when the registry leaves it out (Confluent does for Avro). */
export interface RegisteredSchema {
  id: number;
  schemaType: 'AVRO' | 'PROTOBUF' | 'JSON';
  schema: string;
  /** References to schemas of other subjects (Avro named types, imported .proto files, JSON Schema `$ref`s). */
  references: SchemaReference[];
}

/** A reference of a schema to a version of another subject; `name` is how the schema refers to it. */
export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

/** Most schemas one schema may reference, directly and through its references. */
const MAX_REFERENCES = 100;

/** The registry did not answer or answered with a server error: retriable. */
export class RegistryUnavailableError extends Error {}
/** The registry answered 404 for a schema id, subject or version. */
export class RegistryNotFoundError extends Error {}
/** The registry refused the request (HTTP `status`), e.g. 401 for bad credentials or 409 for an incompatible schema. */
export class RegistryRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** See the file comment. One client per node; `schemaById` caches. */
export class SchemaRegistryClient {
  private readonly base: string;
  private readonly authorization: string | undefined;
  private readonly byId = new Map<number, RegisteredSchema>();
  private readonly pending = new Map<number, Promise<RegisteredSchema>>();

  constructor(private readonly config: RegistryConfig) {
    this.base = config.url.replace(/\/+$/, '');
    this.authorization =
      config.auth === undefined ? undefined : `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64')}`;
  }

  /** The schema of `id` when it was fetched before, else undefined (no request). */
  cached(id: number): RegisteredSchema | undefined {
    return this.byId.get(id);
  }

  /**
   * The schema of `id` (GET /schemas/ids/{id}); concurrent calls for the same id share one request.
   * @throws RegistryNotFoundError for an unknown schema id; RegistryUnavailableError, RegistryRequestError
   */
  schemaById(id: number): Promise<RegisteredSchema> {
    const known = this.byId.get(id);
    if (known !== undefined) return Promise.resolve(known);
    let request = this.pending.get(id);
    if (request === undefined) {
      request = this.request('GET', `/schemas/ids/${id}`, `schema id ${id}`)
        .then((body) => {
          const schema = toRegistered(id, body);
          this.byId.set(id, schema);
          return schema;
        })
        .finally(() => this.pending.delete(id));
      this.pending.set(id, request);
    }
    return request;
  }

  /**
   * One version of a subject (GET /subjects/{subject}/versions/{version}), `latest` for the newest.
   * @throws RegistryNotFoundError when the subject or the version does not exist; RegistryUnavailableError, RegistryRequestError
   */
  async subjectVersion(subject: string, version: number | 'latest'): Promise<RegisteredSchema> {
    const body = await this.request('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`, `version ${version} of subject ${subject}`);
    const schema = toRegistered(Number((body as { id?: unknown }).id), body);
    this.byId.set(schema.id, schema);
    return schema;
  }

  /**
   * Registers `schema` under `subject` (POST /subjects/{subject}/versions) and returns its id; a schema the subject
   * already has keeps its id.
   * @throws RegistryRequestError 409 when the subject's compatibility rule refuses it, 422 when it is not a valid schema
   */
  async register(subject: string, schemaType: RegisteredSchema['schemaType'], schema: string): Promise<number> {
    const body = await this.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, `registering a schema under subject ${subject}`, {
      schema,
      schemaType,
    });
    const id = Number((body as { id?: unknown }).id);
    if (!Number.isInteger(id)) throw new RegistryRequestError(`schema registry ${this.base}: registering under subject ${subject} returned no id`, 200);
    this.byId.set(id, { id, schemaType, schema, references: [] });
    return id;
  }

  /**
   * The schemas `schema` references, directly or through its references, each once, every schema after the ones it
   * references (the order in which parsers must see them).
   * @throws RegistryNotFoundError when a referenced subject version does not exist; RegistryUnavailableError, RegistryRequestError
   */
  async referencedSchemas(schema: RegisteredSchema): Promise<(RegisteredSchema & { name: string })[]> {
    const ordered: (RegisteredSchema & { name: string })[] = [];
    const visited = new Set<string>();
    const visit = async (references: SchemaReference[]): Promise<void> => {
      for (const reference of references) {
        const key = `${reference.subject}@${reference.version}`;
        if (visited.has(key)) continue;
        visited.add(key);
        if (visited.size > MAX_REFERENCES) throw new RegistryRequestError(`schema id ${schema.id} references more than ${MAX_REFERENCES} schemas`, 200);
        const referenced = await this.subjectVersion(reference.subject, reference.version);
        await visit(referenced.references);
        ordered.push({ ...referenced, name: reference.name });
      }
    };
    await visit(schema.references);
    return ordered;
  }

  private async request(method: 'GET' | 'POST', path: string, what: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: `${CONTENT_TYPE}, application/json` };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (error) {
      throw new RegistryUnavailableError(`schema registry unreachable at ${this.base} (${what}): ${networkReason(error, this.config.timeoutMs)}`);
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new RegistryRequestError(`schema registry ${this.base} (${what}): the answer is not JSON; is url the registry's API?`, response.status);
      }
    }
    const reason = registryMessage(text) ?? `HTTP ${response.status}`;
    if (response.status === 404) throw new RegistryNotFoundError(`${what} not found in the schema registry (${reason})`);
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw new RegistryUnavailableError(`schema registry ${this.base} failed (${what}): HTTP ${response.status} ${reason}`);
    }
    const hint = response.status === 401 || response.status === 403 ? ': check registry.auth' : '';
    throw new RegistryRequestError(`schema registry ${this.base} refused ${what}: HTTP ${response.status} ${reason}${hint}`, response.status);
  }
}

function toRegistered(id: number, body: unknown): RegisteredSchema {
  const b = body as { schema?: unknown; schemaType?: unknown; references?: unknown };
  if (typeof b.schema !== 'string') throw new RegistryRequestError(`schema id ${id}: the registry's answer has no schema`, 200);
  const type = b.schemaType === undefined || b.schemaType === null ? 'AVRO' : String(b.schemaType).toUpperCase();
  if (type !== 'AVRO' && type !== 'PROTOBUF' && type !== 'JSON') {
    throw new RegistryRequestError(`schema id ${id} is of type ${type}, which Tributary does not decode`, 200);
  }
  const references: SchemaReference[] = [];
  for (const r of Array.isArray(b.references) ? (b.references as { name?: unknown; subject?: unknown; version?: unknown }[]) : []) {
    if (typeof r.name !== 'string' || typeof r.subject !== 'string' || !Number.isInteger(Number(r.version))) {
      throw new RegistryRequestError(`schema id ${id}: a reference without name, subject and version: ${JSON.stringify(r)}`, 200);
    }
    references.push({ name: r.name, subject: r.subject, version: Number(r.version) });
  }
  return { id, schemaType: type, schema: b.schema, references };
}

/** The `message` of a Confluent error body (`{"error_code":40403,"message":"Schema not found"}`), if any. */
function registryMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return text === '' ? undefined : text.slice(0, 200);
  }
}

/** `fetch failed` says nothing: the cause's code (ECONNREFUSED, ENOTFOUND...) or a timeout does. */
function networkReason(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (e.cause?.code !== undefined) return `${e.cause.code}${e.cause.message !== undefined ? ` (${e.cause.message})` : ''}`;
  return e.cause?.message ?? e.message ?? String(error);
}
