import type { Clock } from '../clock.js';
import type { Profile } from '../context.js';
import { RestError } from '../rest/errors.js';
import type { Caller } from '../rest/registry.js';
import { BUCKET_TTL_MS, MemoryBackend, type LimitsBackend, type OperatingUsage } from './backend.js';

export { MemoryBackend, type LimitsBackend } from './backend.js';

/**
 * The platform's limits (`limits.md`): the cloud edge's leaky bucket per client address, the
 * operating-time limiter per method × application or webhook, both on the portal clock so tests
 * move them with /__control/clock. Manual blocks live on the webhook/app rows (`blocked`).
 */

export interface RateSetting {
  /** requests admitted in a burst (`X`) */
  burst: number;
  /** requests leaking out per second (`Y`) */
  drain: number;
}

export type RatePreset = 'standard' | 'enterprise' | 'off';

export const RATE_PRESETS: Record<Exclude<RatePreset, 'off'>, RateSetting> = {
  standard: { burst: 50, drain: 2 },
  enterprise: { burst: 250, drain: 5 },
};

/** The cloud's limit (the docs' example and b24jssdk's assumption); the on-premise default is 420. */
export const DEFAULT_OPERATING_LIMIT = 480;

export interface LimitsConfig {
  /** null: no rate limit */
  rate: RateSetting | null;
  /** seconds per method × app/webhook in 10 minutes; null: no operating-time limit */
  operatingLimit: number | null;
}

/** `cloud` has the standard plan's limits; `dev` none unless asked. */
export function profileLimits(profile: Profile): LimitsConfig {
  return profile === 'cloud'
    ? { rate: RATE_PRESETS.standard, operatingLimit: DEFAULT_OPERATING_LIMIT }
    : { rate: null, operatingLimit: null };
}

/** The profile's limits with the given overrides (an undefined override keeps the profile's). */
export function resolveLimits(profile: Profile, overrides: Partial<LimitsConfig> = {}): LimitsConfig {
  const base = profileLimits(profile);
  return {
    rate: overrides.rate !== undefined ? overrides.rate : base.rate,
    operatingLimit: overrides.operatingLimit !== undefined ? overrides.operatingLimit : base.operatingLimit,
  };
}

/** `standard`, `enterprise`, `off`, or `BURST/DRAIN` (e.g. `5/1`); undefined when not one of them. */
export function parseRate(value: unknown): RateSetting | null | undefined {
  if (value === 'off') return null;
  if (value === 'standard' || value === 'enterprise') return RATE_PRESETS[value];
  const m = typeof value === 'string' ? /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(value) : null;
  const custom = m ? { burst: Number(m[1]), drain: Number(m[2]) } : (value as RateSetting | null);
  if (custom && typeof custom === 'object' && Number.isInteger(custom.burst) && custom.burst >= 0 && Number(custom.drain) > 0) {
    return { burst: custom.burst, drain: Number(custom.drain) };
  }
  return undefined;
}

/** Seconds (a positive number) or `off`; undefined when neither. */
export function parseOperatingLimit(value: unknown): number | null | undefined {
  if (value === 'off') return null;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

export const LimitErrors = {
  queryLimitExceeded: () => new RestError('QUERY_LIMIT_EXCEEDED', 'Too many requests', 503),
  operationTimeLimit: () => new RestError('OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.', 429),
};

/** Methods the operating-time limiter never counts (`LoadLimiter::$ignoreMethod`): their sub-calls count. */
const UNLIMITED_METHODS = new Set(['batch']);

/** Calls shorter than this are not recorded (`LoadLimiter::$minimalFixTime`). */
const MINIMAL_FIX_SECONDS = 0.1;

/** The `time.operating` / `time.operating_reset_at` pair of one call. */
export interface OperatingInfo {
  operating: number;
  operatingResetAt: number;
}

/** A call admitted by the operating-time limiter, to be recorded when it completes. */
export interface OperatingGate {
  key: string;
  method: string;
  startMs: number;
}

export class Limits {
  rate: RateSetting | null;
  operatingLimit: number | null;
  /** seconds a method "costs" per call instead of its measured time (tests, demos) */
  readonly costs = new Map<string, number>();
  /** Called by `changed()` (a cluster hands the new settings to the other nodes). */
  onChange?: (settings: LimitSettings) => void;

  constructor(
    private readonly clock: Clock,
    config: LimitsConfig,
    /** keys are prefixed with it, so one shared backend can serve several portals */
    private readonly portalId = '',
    readonly backend: LimitsBackend = new MemoryBackend(),
  ) {
    this.rate = config.rate;
    this.operatingLimit = config.operatingLimit;
  }

  /** The leaky bucket, counted once per HTTP request and client address: 503 when full. */
  async admit(address: string): Promise<void> {
    if (!this.rate) return;
    const ok = await this.backend.admit(`${this.portalId}|rate|${address}`, this.clock.now(), this.rate.burst, this.rate.drain);
    if (!ok) throw LimitErrors.queryLimitExceeded();
  }

  /**
   * Before a method runs: 429 when its operating time for this app or webhook is already over the
   * limit. Null when the call is not limited (limiter off, `batch`, browser sessions).
   */
  async enter(method: string, caller: Caller): Promise<OperatingGate | null> {
    if (this.operatingLimit === null || UNLIMITED_METHODS.has(method)) return null;
    const entity = caller.authType === 'webhook' ? `apauth|${caller.webhookId}` : caller.authType === 'oauth' ? `oauth|${caller.clientId}` : null;
    if (entity === null) return null;
    const key = `${this.portalId}|op|${entity}|${method}`;
    const startMs = this.clock.now();
    const usage = await this.backend.usage(key, startMs);
    if (usage.seconds > this.operatingLimit) throw LimitErrors.operationTimeLimit();
    return { key, method, startMs };
  }

  /** After a successful call: records its time (or its configured cost) and answers the `time` pair. */
  async leave(gate: OperatingGate, processingSeconds: number): Promise<OperatingInfo> {
    const spent = this.costs.get(gate.method) ?? processingSeconds;
    const usage = spent >= MINIMAL_FIX_SECONDS
      ? await this.backend.record(gate.key, gate.startMs, spent)
      : await this.backend.usage(gate.key, gate.startMs);
    return operatingInfo(usage, gate.startMs);
  }

  /** Tells onChange that rate, operatingLimit or costs were changed. */
  changed(): void {
    this.onChange?.(this.settings());
  }

  settings(): LimitSettings {
    return { rate: this.rate, operatingLimit: this.operatingLimit, costs: [...this.costs] };
  }

  /** Takes another node's settings (without calling onChange). */
  load(s: LimitSettings): void {
    if (!s || !Array.isArray(s.costs)) return;
    this.rate = s.rate;
    this.operatingLimit = s.operatingLimit;
    this.costs.clear();
    for (const [method, seconds] of s.costs) this.costs.set(method, seconds);
  }

  describe(): Record<string, unknown> {
    return {
      rate: this.rate ? { ...this.rate, preset: presetName(this.rate) } : 'off',
      operating_limit: this.operatingLimit ?? 'off',
      costs: Object.fromEntries(this.costs),
    };
  }
}

export interface LimitSettings {
  rate: RateSetting | null;
  operatingLimit: number | null;
  costs: [string, number][];
}

/** What a call reports when the limiter does not count it: nothing used, reset 600 s after its start. */
export function idleOperating(startMs: number): OperatingInfo {
  return operatingInfo({ seconds: 0, resetAtMs: null }, startMs);
}

function operatingInfo(usage: OperatingUsage, startMs: number): OperatingInfo {
  return { operating: usage.seconds, operatingResetAt: Math.floor((usage.resetAtMs ?? startMs + BUCKET_TTL_MS) / 1000) };
}

function presetName(rate: RateSetting): string {
  const found = Object.entries(RATE_PRESETS).find(([, p]) => p.burst === rate.burst && p.drain === rate.drain);
  return found ? found[0] : 'custom';
}
