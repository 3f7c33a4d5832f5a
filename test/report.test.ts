// scripts/report.mjs: what `npm test` prints of a failed test at the very end of its output,
// the part of a CI log that is kept.
import { describe, expect, it } from 'vitest';
import { playwrightCount, playwrightFailures, unitFailures } from '../scripts/report.mjs';

const red = (s: string) => `\x1b[31m${s}\x1b[39m`;

describe('playwrightFailures', () => {
  const report = {
    stats: { expected: 3, unexpected: 1, flaky: 1, skipped: 0 },
    suites: [
      {
        title: 'csp.spec.ts',
        specs: [
          {
            file: 'csp.spec.ts',
            line: 40,
            title: 'the demo shop under a strict CSP',
            tests: [
              {
                status: 'unexpected',
                results: [
                  {
                    error: { message: `${red('Error: expect(received).toBe(expected)')}\n\nExpected: true\nReceived: false\nthe collector has 6: page_view /, page_view /cart.html` },
                    stdout: [{ text: 'what the pages did (x):\n' + Array.from({ length: 30 }, (_, i) => `+ ${i} ms line ${i}`).join('\n') + '\n' }],
                  },
                ],
              },
            ],
          },
          { file: 'csp.spec.ts', line: 90, title: 'passes', tests: [{ status: 'expected', results: [{}] }] },
        ],
        suites: [{ title: 'consent', specs: [{ file: 'privacy.spec.ts', line: 5, title: 'flaky one', tests: [{ status: 'flaky', results: [{ error: { message: 'Error: once' } }, {}] }] }] }],
      },
    ],
  };

  it('counts a flaky test as failed', () => {
    expect(playwrightCount(report)).toEqual([3, 2, 0]);
  });

  it('names each failed test with its first error line, and keeps the error and the last 20 lines it printed, without colours', () => {
    const [csp, flaky] = playwrightFailures(report);
    expect(csp.title).toBe('csp.spec.ts:40 the demo shop under a strict CSP: Error: expect(received).toBe(expected)');
    expect(csp.detail.slice(0, 4)).toEqual(['Error: expect(received).toBe(expected)', 'Expected: true', 'Received: false', 'the collector has 6: page_view /, page_view /cart.html']);
    expect(csp.detail[4]).toBe('printed (last 20 lines):');
    expect(csp.detail.slice(5)).toHaveLength(20);
    expect(csp.detail.at(-1)).toBe('  + 29 ms line 29');
    expect(flaky.title).toBe('privacy.spec.ts:5 consent › flaky one: Error: once');
    expect(flaky.detail).toEqual(['Error: once']);
  });
});

describe('unitFailures', () => {
  it("keeps the message and the test's own stack frames, not the runner's", () => {
    const report = {
      testResults: [
        {
          name: '/repo/test/fields.test.ts',
          assertionResults: [
            { status: 'passed', fullName: 'ok' },
            {
              status: 'failed',
              fullName: 'clean reads prices',
              failureMessages: ['AssertionError: expected 1 to be 2\n    at /repo/test/fields.test.ts:9:3\n    at file:///repo/node_modules/@vitest/runner/dist/x.js:1:1'],
            },
          ],
        },
      ],
    };
    expect(unitFailures(report, '/repo')).toEqual([
      {
        title: 'test/fields.test.ts clean reads prices: AssertionError: expected 1 to be 2',
        detail: ['AssertionError: expected 1 to be 2', '    at /repo/test/fields.test.ts:9:3'],
      },
    ]);
  });
});
