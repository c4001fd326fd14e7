/** Topic configs this broker acts on, with Kafka's defaults; others are stored and reported but inert. */
export const TOPIC_CONFIG_DEFAULTS: Record<string, string> = {
  'cleanup.policy': 'delete',
  'retention.ms': '604800000',
  'retention.bytes': '-1',
  'delete.retention.ms': '86400000',
  'max.message.bytes': '1048588',
  'segment.bytes': '1073741824',
  'min.insync.replicas': '1',
  'compression.type': 'producer',
};

export class InvalidTopicConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTopicConfigError';
  }
}

const INTEGER = /^-?\d+$/;

export function validateTopicConfigs(configs: Record<string, string>): void {
  for (const [name, value] of Object.entries(configs)) {
    if (name === 'cleanup.policy') {
      const parts = value.split(',').map((s) => s.trim());
      if (parts.length === 0 || parts.some((p) => p !== 'delete' && p !== 'compact')) {
        throw new InvalidTopicConfigError(`cleanup.policy must be delete, compact or both, got "${value}"`);
      }
    } else if (name in TOPIC_CONFIG_DEFAULTS && name !== 'compression.type' && !INTEGER.test(value)) {
      throw new InvalidTopicConfigError(`${name} must be an integer, got "${value}"`);
    }
  }
}

export interface EffectivePolicy {
  compact: boolean;
  delete: boolean;
  retentionMs: number;
  retentionBytes: number;
  deleteRetentionMs: number;
}

export function effectivePolicy(configs: Record<string, string>): EffectivePolicy {
  const get = (name: string): string => configs[name] ?? TOPIC_CONFIG_DEFAULTS[name]!;
  const policy = get('cleanup.policy').split(',').map((s) => s.trim());
  return {
    compact: policy.includes('compact'),
    delete: policy.includes('delete'),
    retentionMs: Number(get('retention.ms')),
    retentionBytes: Number(get('retention.bytes')),
    deleteRetentionMs: Number(get('delete.retention.ms')),
  };
}
