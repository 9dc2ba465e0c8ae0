/**
 * The Confluent wire format of records whose key or value is encoded through a schema registry (Avro, Protobuf, JSON
 * Schema): byte 0 is the magic byte 0, bytes 1-4 the schema id (a big-endian signed 32-bit integer), then, for
 * Protobuf only, the message indexes (which message of the schema's .proto file: a zigzag varint count followed by
 * that many zigzag varint indexes, the path through nested messages; the common `[0]` is written as the single byte
 * 0), then the payload. Source: Confluent's "Wire format" section of the Schema Registry serializer documentation and
 * its `MessageIndexes` (protobuf serializer).
 */

/** The first byte of every record in the Confluent wire format. */
export const MAGIC_BYTE = 0;
/** Bytes before the payload (or the Protobuf message indexes): the magic byte and the 4-byte schema id. */
export const WIRE_HEADER_BYTES = 5;

/** Bytes that are not in the Confluent wire format; `message` says why (first byte, length). */
export class WireFormatError extends Error {}

/** The schema id of a record in the wire format and where what follows it (indexes or payload) begins. */
export interface WireHeader {
  schemaId: number;
  /** Offset of the first byte after the schema id. */
  offset: number;
}

/**
 * Reads the magic byte and schema id.
 * @throws WireFormatError when the bytes are shorter than 5 or the first byte is not 0
 */
export function readWireHeader(bytes: Uint8Array): WireHeader {
  if (bytes.length < WIRE_HEADER_BYTES) {
    throw new WireFormatError(`not the Confluent wire format (${bytes.length} byte(s), fewer than the 5 of magic byte and schema id)`);
  }
  if (bytes[0] !== MAGIC_BYTE) {
    throw new WireFormatError(`not the Confluent wire format (first byte 0x${bytes[0]!.toString(16).padStart(2, '0')}, expected the magic byte 0x00)`);
  }
  const schemaId = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) | 0;
  return { schemaId, offset: WIRE_HEADER_BYTES };
}

/** Reads one zigzag varint (at most 5 bytes, a 32-bit value) at `offset`; returns it and the offset after it. */
function readZigzagVarint(bytes: Uint8Array, offset: number): { value: number; offset: number } {
  let raw = 0;
  for (let shift = 0, at = offset; shift < 35; shift += 7, at++) {
    if (at >= bytes.length) throw new WireFormatError('not the Confluent Protobuf wire format (message indexes cut short)');
    const byte = bytes[at]!;
    raw |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: (raw >>> 1) ^ -(raw & 1), offset: at + 1 };
  }
  throw new WireFormatError('not the Confluent Protobuf wire format (a message index longer than 5 bytes)');
}

/** Largest number of message indexes accepted (the nesting depth of messages in a .proto file). */
const MAX_MESSAGE_INDEXES = 100;

/**
 * Reads the Protobuf message indexes at `offset` (after the schema id): the path of the record's message type in its
 * .proto file, `[0]` for the first top-level message.
 * @throws WireFormatError for a negative or too large count or index, or bytes cut short
 */
export function readMessageIndexes(bytes: Uint8Array, offset: number): { indexes: number[]; offset: number } {
  const count = readZigzagVarint(bytes, offset);
  if (count.value === 0) return { indexes: [0], offset: count.offset };
  if (count.value < 0 || count.value > MAX_MESSAGE_INDEXES) {
    throw new WireFormatError(`not the Confluent Protobuf wire format (message index count ${count.value})`);
  }
  const indexes: number[] = [];
  let at = count.offset;
  for (let i = 0; i < count.value; i++) {
    const index = readZigzagVarint(bytes, at);
    if (index.value < 0) throw new WireFormatError(`not the Confluent Protobuf wire format (message index ${index.value})`);
    indexes.push(index.value);
    at = index.offset;
  }
  return { indexes, offset: at };
}

function writeZigzagVarint(value: number, out: number[]): void {
  let raw = ((value << 1) ^ (value >> 31)) >>> 0;
  while (raw > 0x7f) {
    out.push((raw & 0x7f) | 0x80);
    raw >>>= 7;
  }
  out.push(raw);
}

/**
 * The bytes that go before a payload: magic byte, schema id and, when `messageIndexes` is given (Protobuf), the
 * message indexes (`[0]` as the single byte 0, as Confluent's serializer writes it).
 */
export function wireHeader(schemaId: number, messageIndexes?: readonly number[]): Buffer {
  const out = [MAGIC_BYTE, (schemaId >>> 24) & 0xff, (schemaId >>> 16) & 0xff, (schemaId >>> 8) & 0xff, schemaId & 0xff];
  if (messageIndexes !== undefined) {
    if (messageIndexes.length === 1 && messageIndexes[0] === 0) {
      out.push(0);
    } else {
      writeZigzagVarint(messageIndexes.length, out);
      for (const index of messageIndexes) writeZigzagVarint(index, out);
    }
  }
  return Buffer.from(out);
}
