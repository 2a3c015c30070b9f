/** kafkajs clients as faultline's processes use them: quiet unless something goes wrong, logs to stderr. */
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';

export function createKafka(bootstrap: string, clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.ERROR,
    logCreator:
      () =>
      ({ namespace, label, log }) => {
        const { message, ...rest } = log as { message: string };
        process.stderr.write(
          `${new Date().toISOString()} kafkajs ${label} [${namespace}] ${message} ${JSON.stringify(rest)}\n`,
        );
      },
    retry: { initialRetryTime: 100, retries: 8 },
    ...extra,
  });
}

/** Kafka message value of an input record, as the load generator writes it. */
export function decodeJson<T>(value: Buffer | null): T {
  if (!value) throw new Error('message without a value');
  return JSON.parse(value.toString('utf8')) as T;
}
