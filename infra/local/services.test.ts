import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clusterId, kafkaProperties } from './services.ts';

const IMAGES = fileURLToPath(new URL('../docker/images/', import.meta.url));

/** key=value lines of a properties text, comments left out. */
const settings = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('kafka broker settings', () => {
  it('local Kafka fills in every name of the shared template', () => {
    const text = kafkaProperties(19092, 19093, '/data/kafka', 3);
    expect(text).not.toMatch(/@[A-Z_]+@/);
    expect(settings(text)).toMatchObject({
      'controller.quorum.voters': '1@127.0.0.1:19093',
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19092',
      'log.dirs': '/data/kafka',
      'num.partitions': '3',
      'transaction.state.log.min.isr': '1',
    });
  });

  it('the kafka image writes the same settings but for its listeners', () => {
    // Run kafka-entry.sh up to the point it starts java: a fake `java` on PATH and a fake jar make it stop there.
    const dir = mkdtempSync(join(tmpdir(), 'fl-kafka-entry-'));
    try {
      writeFileSync(join(dir, 'kafka_2.13-3.9.1.jar'), '');
      writeFileSync(join(dir, 'java'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      execFileSync('sh', [join(IMAGES, 'kafka-entry.sh')], {
        env: { PATH: `${dir}:${process.env.PATH}`, FL_KAFKA_LIBS: dir, FL_KAFKA_DATA_DIR: join(dir, 'data') },
      });
      const image = settings(readFileSync(join(dir, 'data', 'config', 'server.properties'), 'utf8'));
      const local = settings(kafkaProperties(9092, 9093, join(dir, 'data', 'log'), 2));
      const listenerKeys = [
        'listeners',
        'advertised.listeners',
        'listener.security.protocol.map',
        'inter.broker.listener.name',
      ];
      for (const k of listenerKeys) {
        delete image[k];
        delete local[k];
      }
      expect(image).toEqual(local);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kafka cluster id', () => {
  it('is 16 bytes base64url and never starts with "-", which kafka-storage would read as an option', () => {
    // 0xf8 encodes to a leading '-' (62 in base64url); the first draw must be thrown away.
    const draws = [new Uint8Array(16).fill(0xf8), new Uint8Array(16).fill(0x41)];
    const id = clusterId(() => draws.shift() as Uint8Array);
    expect(id).toBe(Buffer.from(new Uint8Array(16).fill(0x41)).toString('base64url'));
    expect(draws).toEqual([]);
    for (let i = 0; i < 500; i++) expect(clusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
