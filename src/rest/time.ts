import { isoDate } from '../clock.js';

/** The operating-time limiter's pair for one call (see src/limits). */
export interface OperatingTime {
  operating: number;
  operatingResetAt: number;
}

/**
 * The `time` block of a call, with all eight keys (the PHP and Python SDKs index six of them
 * unconditionally; b24jssdk reads the last two). Used for the envelope and for each batch command.
 */
export function timeBlock(startMs: number, finishMs: number, processing: number, op: OperatingTime): Record<string, unknown> {
  return {
    start: startMs / 1000,
    finish: finishMs / 1000,
    duration: (finishMs - startMs) / 1000,
    processing,
    date_start: isoDate(startMs),
    date_finish: isoDate(finishMs),
    operating_reset_at: op.operatingResetAt,
    operating: op.operating,
  };
}
