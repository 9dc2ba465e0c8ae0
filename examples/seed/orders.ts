/**
 * Seeds the input of examples/orders.flow.yaml: 48 web-shop orders as JSON on the orders topic (key = order id), the
 * same every run. Six of them are broken the way real producers break them (a missing field, an amount sent as a
 * string, a foreign currency, an empty basket, a zero quantity, a message cut off mid-JSON); the flow sends those to
 * the dead-letter topic.
 *
 *   npx tsx examples/seed/orders.ts        # honours KAFKA_BROKERS, ORDERS_TOPIC, ORDERS_ALERTS_TOPIC, ORDERS_DLQ_TOPIC
 */
import { env, isMain, kafkaBrokers, produceToKafka, randomInt, seededRandom, type SeedMessage } from './common';

/** One line of an order. */
export interface OrderItem {
  sku: string;
  qty: number;
  unitCents: number;
}

/** An order as the shop publishes it. */
export interface Order {
  orderId: string;
  customerId: string;
  /** Age of the customer's account when the order was placed (days). */
  accountAgeDays: number;
  /** Order total in euro cents (the sum of qty * unitCents). */
  amountCents: number;
  currency: string;
  paymentMethod: 'card' | 'paypal' | 'sepa' | 'gift_card';
  billingCountry: string;
  shippingCountry: string;
  items: OrderItem[];
  createdAt: string;
}

/** A seeded message: what goes on the topic, and for broken ones what is wrong with it. */
export interface OrderMessage extends SeedMessage {
  /** Undefined for a valid order; otherwise what is wrong (the flow sends it to the dead-letter topic). */
  defect: string | undefined;
  /** The source node that rejects it: `validate` (schema) or `orders` (not JSON at all). */
  rejectedBy: 'validate' | 'orders' | undefined;
}

/** How many orders {@link generateOrders} makes. */
export const ORDER_COUNT = 48;

const CATALOG: readonly { sku: string; unitCents: number }[] = [
  { sku: 'KBD-MX-01', unitCents: 4_990 },
  { sku: 'MOUSE-02', unitCents: 2_490 },
  { sku: 'USB-C-CABLE', unitCents: 990 },
  { sku: 'HEADSET-PRO', unitCents: 8_990 },
  { sku: 'DOCK-TB4', unitCents: 18_990 },
  { sku: 'MONITOR-27', unitCents: 32_900 },
  { sku: 'LAPTOP-14', unitCents: 119_900 },
];
const COUNTRIES = ['DE', 'DE', 'DE', 'AT', 'NL', 'FR'] as const;
const PAYMENTS = ['card', 'card', 'paypal', 'sepa', 'gift_card'] as const;

/** Where the broken orders sit in the sequence, and how each is broken. */
const DEFECTS: ReadonlyMap<number, { defect: string; rejectedBy: 'validate' | 'orders'; breakIt: (order: Order) => unknown }> = new Map([
  [4, { defect: 'customerId missing', rejectedBy: 'validate', breakIt: ({ customerId: _, ...rest }: Order) => rest }],
  [11, { defect: 'amountCents sent as a string', rejectedBy: 'validate', breakIt: (o: Order) => ({ ...o, amountCents: (o.amountCents / 100).toFixed(2) }) }],
  [19, { defect: 'currency USD', rejectedBy: 'validate', breakIt: (o: Order) => ({ ...o, currency: 'USD' }) }],
  [26, { defect: 'empty basket', rejectedBy: 'validate', breakIt: (o: Order) => ({ ...o, items: [], amountCents: 0 }) }],
  [33, { defect: 'quantity 0', rejectedBy: 'validate', breakIt: (o: Order) => ({ ...o, items: o.items.map((item, i) => (i === 0 ? { ...item, qty: 0 } : item)) }) }],
  [41, { defect: 'truncated JSON', rejectedBy: 'orders', breakIt: (o: Order) => JSON.stringify(o).slice(0, 57) }],
]);

/** The order with sequence number `i` before any breaking (deterministic). */
function makeOrder(i: number, random: () => number): Order {
  const items: OrderItem[] = [];
  const lines = randomInt(random, 1, 3);
  for (let l = 0; l < lines; l++) {
    // Cheap accessories are far more common than laptops and monitors.
    const product = CATALOG[Math.min(CATALOG.length - 1, Math.floor(random() ** 1.8 * CATALOG.length))]!;
    items.push({ sku: product.sku, qty: randomInt(random, 1, 3), unitCents: product.unitCents });
  }
  const billingCountry = COUNTRIES[randomInt(random, 0, COUNTRIES.length - 1)]!;
  const shippingCountry = random() < 0.2 ? COUNTRIES[randomInt(random, 0, COUNTRIES.length - 1)]! : billingCountry;
  return {
    orderId: `ord-${String(100_000 + i)}`,
    customerId: `cus-${String(randomInt(random, 1, 400)).padStart(4, '0')}`,
    accountAgeDays: random() < 0.2 ? randomInt(random, 0, 6) : randomInt(random, 7, 2_000),
    amountCents: items.reduce((sum, item) => sum + item.qty * item.unitCents, 0),
    currency: 'EUR',
    paymentMethod: PAYMENTS[randomInt(random, 0, PAYMENTS.length - 1)]!,
    billingCountry,
    shippingCountry,
    items,
    createdAt: new Date(Date.UTC(2024, 4, 6, 9, 0, 0) + i * 37_000).toISOString(),
  };
}

/** The {@link ORDER_COUNT} seeded orders, in topic order; the same on every call. */
export function generateOrders(): OrderMessage[] {
  const random = seededRandom(20240506);
  const messages: OrderMessage[] = [];
  for (let i = 0; i < ORDER_COUNT; i++) {
    const order = makeOrder(i, random);
    const broken = DEFECTS.get(i);
    const value = broken === undefined ? order : broken.breakIt(order);
    messages.push({
      key: order.orderId,
      value: typeof value === 'string' ? value : JSON.stringify(value),
      defect: broken?.defect,
      rejectedBy: broken?.rejectedBy,
    });
  }
  return messages;
}

/** Topic names, as the flow reads them from the environment. */
export interface OrdersTopics {
  topic: string;
  alertsTopic: string;
  dlqTopic: string;
}

/** The names from ORDERS_TOPIC, ORDERS_ALERTS_TOPIC and ORDERS_DLQ_TOPIC, with the flow's defaults. */
export function ordersTopicsFromEnv(): OrdersTopics {
  return {
    topic: env('ORDERS_TOPIC', 'orders'),
    alertsTopic: env('ORDERS_ALERTS_TOPIC', 'order-alerts'),
    dlqTopic: env('ORDERS_DLQ_TOPIC', 'orders-dlq'),
  };
}

/**
 * Creates the topics that are missing (orders with 3 partitions: the flow does not depend on order across orders) and
 * produces {@link generateOrders} to the orders topic.
 * @returns the messages produced
 */
export async function seedOrders(brokers: string[], topics: OrdersTopics): Promise<OrderMessage[]> {
  const messages = generateOrders();
  await produceToKafka(brokers, topics.topic, messages, [
    { name: topics.topic, partitions: 3 },
    { name: topics.alertsTopic, partitions: 1 },
    { name: topics.dlqTopic, partitions: 1 },
  ]);
  return messages;
}

if (isMain(import.meta.url)) {
  const topics = ordersTopicsFromEnv();
  const messages = await seedOrders(kafkaBrokers(), topics);
  const broken = messages.filter((m) => m.defect !== undefined);
  console.log(`produced ${messages.length} orders to ${topics.topic} (${broken.length} broken: ${broken.map((m) => `${m.key} ${m.defect}`).join(', ')})`);
}
