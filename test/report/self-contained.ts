// A report page loads nothing from anywhere: no src/href attributes, no CSS url() or @import, no fetch.
import { expect } from 'vitest';

export function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/\s(src|href)\s*=/i);
  expect(html).not.toMatch(/url\(|@import|fetch\(|XMLHttpRequest|<link|<iframe/i);
}
