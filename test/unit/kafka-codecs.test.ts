// The Kafka compression codecs registered with kafkajs: snappy, lz4 and zstd batches round-trip (lz4 also past one
// 4 MiB block, in frames of independent blocks as Kafka requires), xerial-framed snappy from Java producers is read,
// and the codec ids Kafka leaves unassigned fail with a non-retriable error naming the id.
import kafkajs, { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaCompressionType, registerKafkaCodecs } from '../../nodes/kafka-codecs.runtime';

/** The codec shape kafkajs calls. */
interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

registerKafkaCodecs();
const codecs = kafkajs.CompressionCodecs as Record<number, () => Codec>;

/** `size` bytes of record-like text: compressible, but not one repeated byte. */
function batchBytes(size: number): Buffer {
  const out = Buffer.alloc(size);
  let offset = 0;
  for (let i = 0; offset < size; i++) offset += out.write(`{"id":${i},"customer":"c-${i % 97}","amount":${(i * 37) % 1000}}\n`, offset);
  return out;
}

describe('registered Kafka compression codecs', () => {
  it.each([
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const)('%s compresses a batch and decompresses it to the same bytes', async (name, type) => {
    expect(kafkaCompressionType(name)).toBe(type);
    const codec = codecs[type]!();
    const input = batchBytes(200_000);
    const compressed = await codec.compress({ buffer: input });
    expect(compressed.length).toBeLessThan(input.length / 2);
    expect((await codec.decompress(compressed)).equals(input)).toBe(true);
  });

  it('lz4 writes one frame of independent 4 MiB blocks and reads a batch larger than one block back', async () => {
    const codec = codecs[CompressionTypes.LZ4]!();
    const input = batchBytes(9 * 1024 * 1024);
    const compressed = await codec.compress({ buffer: input });
    expect(compressed.readUInt32LE(0)).toBe(0x184d2204);
    expect(compressed[4]! & 0x20).toBe(0x20); // block independence
    expect((compressed[5]! >> 4) & 7).toBe(7); // 4 MiB blocks
    expect(compressed.subarray(-4).readUInt32LE(0)).toBe(0); // end mark
    expect((await codec.decompress(compressed)).equals(input)).toBe(true);
  });

  it('snappy reads the xerial framing Java producers write', async () => {
    const snappy = codecs[CompressionTypes.Snappy]!();
    const input = batchBytes(50_000);
    // Each xerial chunk is raw snappy, which is what the codec writes.
    const chunks = await Promise.all([input.subarray(0, 20_000), input.subarray(20_000)].map((chunk) => snappy.compress({ buffer: chunk })));
    const header = Buffer.from([130, 83, 78, 65, 80, 80, 89, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    const framed = Buffer.concat([
      header,
      ...chunks.flatMap((chunk) => {
        const size = Buffer.alloc(4);
        size.writeUInt32BE(chunk.length, 0);
        return [size, chunk];
      }),
    ]);
    expect((await snappy.decompress(framed)).equals(input)).toBe(true);
  });

  it.each([5, 6, 7])('codec id %i fails with a non-retriable error naming the id', async (id) => {
    const error = (await codecs[id]!().decompress(Buffer.from([1, 2, 3])).catch((e: unknown) => e)) as {
      name: string;
      message: string;
      retriable: boolean;
    };
    expect(error.name).toBe('KafkaJSNotImplemented');
    expect(error.retriable).toBe(false);
    expect(error.message).toBe(`record batch compressed with unknown Kafka compression codec id ${id} (supported: none, gzip, snappy, lz4, zstd)`);
  });

  it('registers once: a second call keeps the same codecs', () => {
    const before = codecs[CompressionTypes.ZSTD]!();
    registerKafkaCodecs();
    expect(codecs[CompressionTypes.ZSTD]!()).toBe(before);
    expect(kafkaCompressionType('none')).toBe(CompressionTypes.None);
    expect(kafkaCompressionType('gzip')).toBe(CompressionTypes.GZIP);
  });
});
