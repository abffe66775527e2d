/**
 * The one source of domain time. Nothing else calls Date.now() for anything a user can observe
 * (token expiry, edit windows, limits, `time` blocks), so tests and users can move time at will.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, as the portal sees it. */
  now(): number;
}

export interface ClockState {
  offsetMs: number;
  frozenAt: number | null;
}

/** Wall-clock time shifted by an adjustable offset; `advance` moves the portal into the future. */
export class MovableClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | null = null;
  /** Called after every move (a cluster hands the new state to the other nodes). */
  onChange?: (state: ClockState) => void;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
    this.changed();
  }

  /** Set the portal time to an absolute instant (keeps ticking unless frozen). */
  set(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt = ms;
    else this.offsetMs = ms - Date.now();
    this.changed();
  }

  freeze(): void {
    this.frozenAt = this.now();
    this.changed();
  }

  unfreeze(): void {
    if (this.frozenAt === null) return;
    this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = null;
    this.changed();
  }

  /**
   * What the clock is: an offset from this machine's wall clock (nodes of a cluster keep their
   * wall clocks in step, e.g. with NTP) or a frozen instant.
   */
  state(): ClockState {
    return { offsetMs: this.offsetMs, frozenAt: this.frozenAt };
  }

  /** Takes another node's state (without calling onChange). */
  load(state: ClockState): void {
    if (typeof state?.offsetMs !== 'number' || (state.frozenAt !== null && typeof state.frozenAt !== 'number')) return;
    this.offsetMs = state.offsetMs;
    this.frozenAt = state.frozenAt;
  }

  private changed(): void {
    this.onChange?.(this.state());
  }
}

/** The second `isoDate` formatted last, and its text: every answer's `time` block formats two dates, mostly of one second. */
let lastSecond = NaN;
let lastDate = '';

/** PHP `date('c')`: `YYYY-MM-DDThh:mm:ss±hh:mm` in the server's time zone, seconds precision. */
export function isoDate(ms: number): string {
  // the second a Date of `ms` shows (a Date drops the fraction of a millisecond toward zero)
  const second = Math.floor(Math.trunc(ms) / 1000);
  if (second === lastSecond) return lastDate;
  lastDate = formatIsoDate(ms);
  lastSecond = second;
  return lastDate;
}

function formatIsoDate(ms: number): string {
  const d = new Date(ms);
  const offsetMin = -d.getTimezoneOffset();
  const local = new Date(ms + offsetMin * 60_000);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local.toISOString().slice(0, 19)}${sign}${hh}:${mm}`;
}
