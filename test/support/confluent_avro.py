"""Confluent's own Avro serializer and deserializer (Python confluent-kafka), a client nobody here wrote, for
test/integration/schema-registry.test.ts: produces records encoded by it, and reads records back through it.

  confluent_avro.py produce REGISTRY_URL BROKER TOPIC SCHEMA_JSON   # JSON values on stdin, one per line
  confluent_avro.py consume REGISTRY_URL BROKER TOPIC COUNT          # prints COUNT decoded values as JSON lines

Installed by `scripts/registry.sh serdes` into .cache/registry/serdes/.
"""
import json
import sys

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def produce(registry: SchemaRegistryClient, broker: str, topic: str, schema: str) -> None:
    serialize = AvroSerializer(registry, schema)
    producer = Producer({"bootstrap.servers": broker})
    for line in sys.stdin:
        if line.strip():
            value = json.loads(line)
            producer.produce(topic, value=serialize(value, SerializationContext(topic, MessageField.VALUE)))
    if producer.flush(30) != 0:
        sys.exit("confluent_avro: records left unsent after 30 s")


def consume(registry: SchemaRegistryClient, broker: str, topic: str, count: int) -> None:
    deserialize = AvroDeserializer(registry)
    consumer = Consumer({"bootstrap.servers": broker, "group.id": f"{topic}-confluent-avro", "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    seen = 0
    try:
        while seen < count:
            message = consumer.poll(60)
            if message is None:
                sys.exit(f"confluent_avro: {seen} of {count} records after 60 s")
            if message.error():
                sys.exit(f"confluent_avro: {message.error()}")
            value = deserialize(message.value(), SerializationContext(topic, MessageField.VALUE))
            print(json.dumps(value, sort_keys=True), flush=True)
            seen += 1
    finally:
        consumer.close()


def main() -> None:
    command, url, broker, topic, arg = sys.argv[1:6]
    registry = SchemaRegistryClient({"url": url})
    if command == "produce":
        produce(registry, broker, topic, arg)
    elif command == "consume":
        consume(registry, broker, topic, int(arg))
    else:
        sys.exit(f"confluent_avro: unknown command {command}")


main()
