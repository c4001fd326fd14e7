import { startBroker, type RunningBroker } from '../src';
import { versionNegotiationSuite } from './versionNegotiation';

describe('dev broker: version negotiation', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker({ port: 0, logLevel: 'silent' });
  });
  afterAll(() => broker.stop());
  versionNegotiationSuite(() => broker.bootstrap);
});

const apache = process.env.KAFKA_BROKERS_APACHE;
(apache ? describe : describe.skip)('Apache Kafka (KAFKA_BROKERS_APACHE): version negotiation', () => {
  versionNegotiationSuite(() => apache!.split(',')[0]!);
});
