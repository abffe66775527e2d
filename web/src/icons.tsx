/*
 * The two icons the messenger draws itself: emoji glyphs depend on the fonts of the machine (a
 * Chromium without an emoji font shows an empty box), inline SVG looks the same everywhere.
 */

/** A thumb up (the like). */
export function ThumbIcon() {
  return (
    <svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
      <path fill="currentColor" d="M2 7h3v8H2zM6 7.5 9 2c1.1 0 2 .9 2 2v2h3.2c.9 0 1.5.8 1.3 1.7l-1.2 5.6c-.2.9-1 1.7-1.9 1.7H6z" />
    </svg>
  );
}

/** A paper clip (send a file). */
export function ClipIcon() {
  return (
    <svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      <path fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" d="M11 4.5v6.5a3 3 0 0 1-6 0V4a2 2 0 0 1 4 0v6.5a1 1 0 0 1-2 0V5" />
    </svg>
  );
}
